-- @include "keyNames"
-- Flow control's slots (libs/broker/src/systems/flow.ts has the whole story). Every key is
-- `base` (`<prefix>:{limits}:`) and a SLOT name, so one script sees a task's limit, its
-- keys' limits, its rate and its shared limits together. A run in the slots has a record
-- (SLOT.runs, JSON):
--   r run id, s scope (its task), k its concurrencyKey ("" for none), j the job it runs
--   for, c the BullMQ job that carried that job, st "w" waiting | "g" granted (its job is
--   being dispatched) | "r" running, sc its place in line (a string: exact beyond 2^32),
--   t task, v version, w the worker keeping it warm, f the flow its jobs carry, g the grant
--   number (a granted run's job is carried by `<job>.g<g>`), n the shared limits its slot
--   also counts against (scopes "@<name>"), from its grant.
-- A task's limits in force may name shared limits (`named`): a run starts only when each
-- of them has room too, and a slot of one that goes lets the tasks sharing it take turns.
-- A waiter's place is rank * SCORE_SPAN + arrival, rank 0.. being resumes before new
-- starts, then priority (flow.ts, rankOf). A key's place in its scope's ready line is its
-- head's rank * SCORE_SPAN + its turn, so keys of one rank take turns.
local SCORE_SPAN = 4398046511104 -- 2^42
-- Grants one script makes at most; more waiting is left to the next sweep (a timer at now).
local MAX_GRANTS = 200

local function nextSequence(base)
  return rcall("INCR", base .. SLOT.sequence)
end

-- A count in a hash that goes when it reaches 0.
local function bump(hash, field, by)
  if rcall("HINCRBY", hash, field, by) <= 0 then
    rcall("HDEL", hash, field)
  end
end

-- The limits in force for a scope: { limit, perKey, rate, periodMs, ratePerKey, named }, each nil for none.
local function limitsOf(base, scope)
  local text = rcall("HGET", base .. SLOT.limits, scope)
  return text and cjson.decode(text) or {}
end

local function waitLine(base, scope, key)
  return base .. SLOT.queue .. scope .. "|" .. key
end

-- The timer (and rate log) name of a scope, or of one of its keys.
local function scopeOf(scope, key)
  return key and (scope .. "|" .. key) or scope
end

local function heldUnder(base, scope, key)
  return tonumber(rcall("HGET", base .. SLOT.heldByKey .. scope, key) or "0")
end

-- When the rate's window lets the next start go; nil when it may go now.
local function rateBlockedUntil(base, scope, key, limits, now)
  local log = base .. SLOT.rate .. scopeOf(scope, key)
  rcall("ZREMRANGEBYSCORE", log, "-inf", now - limits.periodMs)
  if rcall("ZCARD", log) < limits.rate then
    return nil
  end
  return tonumber(rcall("ZRANGE", log, 0, 0, "WITHSCORES")[2]) + limits.periodMs
end

-- Puts a key of a scope in its ready line when it has a waiter that may start (below its
-- per-key limit, not waiting for its rate's window), at its head's rank, keeping its turn;
-- `served`: it just had one, so it goes behind the keys of its rank.
local function lineUp(base, scope, key, limits, served)
  local ready = base .. SLOT.ready .. scope
  local head = rcall("ZRANGE", waitLine(base, scope, key), 0, 0, "WITHSCORES")
  if not head[1] or (limits.perKey and heldUnder(base, scope, key) >= limits.perKey)
    or (limits.ratePerKey and rcall("ZSCORE", base .. SLOT.timers, scopeOf(scope, key))) then
    rcall("ZREM", ready, key)
    return
  end
  local rank = math.floor(tonumber(head[2]) / SCORE_SPAN)
  local current = rcall("ZSCORE", ready, key)
  local turn = (current and not served) and (tonumber(current) % SCORE_SPAN) or nextSequence(base)
  rcall("ZADD", ready, string.format("%.0f", rank * SCORE_SPAN + turn), key)
end

-- A record in line: the run waits behind those ahead of it.
local function enqueue(base, record, limits)
  rcall("HSET", base .. SLOT.runs, record.r, cjson.encode(record))
  rcall("ZADD", waitLine(base, record.s, record.k), record.sc, record.r)
  rcall("HINCRBY", base .. SLOT.queued, record.s, 1)
  rcall("HINCRBY", base .. SLOT.queuedByKey .. record.s, record.k, 1)
  lineUp(base, record.s, record.k, limits, false)
end

-- The throttled count of a key lives while the key has runs in the slots.
local function forgetIfIdle(base, scope, key)
  if not rcall("HGET", base .. SLOT.heldByKey .. scope, key) and not rcall("HGET", base .. SLOT.queuedByKey .. scope, key) then
    rcall("HDEL", base .. SLOT.throttledByKey .. scope, key)
  end
end

-- A run's slot counts against the shared limits its task names, from its grant until it goes.
local function holdShared(base, shared, now)
  for _, name in ipairs(shared or {}) do
    rcall("HINCRBY", base .. SLOT.held, name, 1)
    local its = limitsOf(base, name)
    if its.rate then
      local log = base .. SLOT.rate .. name
      rcall("ZADD", log, now, nextSequence(base))
      rcall("PEXPIRE", log, its.periodMs)
    end
  end
end

local function releaseShared(base, shared)
  for _, name in ipairs(shared or {}) do
    bump(base .. SLOT.held, name, -1)
  end
end

-- True when a shared limit the task names holds its runs back (full, or its rate's window:
-- then a timer for when it opens).
local function sharedBlocked(base, limits, now)
  for _, name in ipairs(limits.named or {}) do
    local its = limitsOf(base, name)
    if its.limit and tonumber(rcall("HGET", base .. SLOT.held, name) or "0") >= its.limit then
      return true
    end
    local at = its.rate and rateBlockedUntil(base, name, nil, its, now)
    if at then
      rcall("ZADD", base .. SLOT.timers, at, name)
      return true
    end
  end
  return false
end

-- A holder lets its slot go (its execution parked or ended, or its lease ran out).
local function dropHolder(base, record)
  rcall("HDEL", base .. SLOT.runs, record.r)
  rcall("ZREM", base .. SLOT.leases, record.r)
  releaseShared(base, record.n)
  bump(base .. SLOT.held, record.s, -1)
  bump(base .. SLOT.heldByKey .. record.s, record.k, -1)
  forgetIfIdle(base, record.s, record.k)
end

-- A granted run whose job never started within its lease goes back to its place in line:
-- the dispatch of its job may have been lost with the process that was to add it.
local function requeue(base, record, limits)
  rcall("ZREM", base .. SLOT.leases, record.r)
  releaseShared(base, record.n)
  record.n = nil
  bump(base .. SLOT.held, record.s, -1)
  bump(base .. SLOT.heldByKey .. record.s, record.k, -1)
  record.st = "w"
  enqueue(base, record, limits)
end

-- A record takes a slot of its scope and key (and of the shared limits its scope names),
-- and a start in their rate windows; `state` "g" (granted: its job is to be dispatched) or
-- "r" (running), its lease running out `leaseMs` from now.
local function takeSlot(base, record, limits, state, leaseMs, now)
  record.st = state
  if limits.named and #limits.named > 0 then
    record.n = limits.named
    holdShared(base, limits.named, now)
  end
  rcall("HSET", base .. SLOT.runs, record.r, cjson.encode(record))
  rcall("ZADD", base .. SLOT.leases, now + leaseMs, record.r)
  rcall("HINCRBY", base .. SLOT.held, record.s, 1)
  rcall("HINCRBY", base .. SLOT.heldByKey .. record.s, record.k, 1)
  if limits.rate then
    local log = base .. SLOT.rate .. scopeOf(record.s, limits.ratePerKey and record.k or nil)
    rcall("ZADD", log, now, nextSequence(base))
    rcall("PEXPIRE", log, limits.periodMs)
  end
end

-- Gives the head waiter of a key a slot: its job is to be dispatched (`granted`).
local function grant(base, scope, key, runId, now, grantLeaseMs, granted, limits)
  rcall("ZREM", waitLine(base, scope, key), runId)
  local text = rcall("HGET", base .. SLOT.runs, runId)
  if not text then
    return
  end
  local record = cjson.decode(text)
  record.g = nextSequence(base)
  bump(base .. SLOT.queued, scope, -1)
  bump(base .. SLOT.queuedByKey .. scope, key, -1)
  takeSlot(base, record, limits, "g", grantLeaseMs, now)
  granted[#granted + 1] = record
end

-- Grants free slots of a scope to its waiters, in order: the ready line's first key (the
-- best rank, then the longest without a turn), that key's head. Stops at the scope's
-- limit, its rate (a timer for when its window opens), a shared limit it names, or when
-- nobody may start; `once`: after one grant.
local function fill(base, scope, now, grantLeaseMs, granted, once)
  local limits = limitsOf(base, scope)
  -- A paused task grants nothing; its resume fills again.
  if limits.paused then
    return
  end
  local ready = base .. SLOT.ready .. scope
  for _ = 1, once and 1 or MAX_GRANTS do
    if limits.limit and tonumber(rcall("HGET", base .. SLOT.held, scope) or "0") >= limits.limit then
      return
    end
    if limits.rate and not limits.ratePerKey then
      local at = rateBlockedUntil(base, scope, nil, limits, now)
      if at then
        rcall("ZADD", base .. SLOT.timers, at, scope)
        return
      end
    end
    local key = rcall("ZRANGE", ready, 0, 0)[1]
    if not key or sharedBlocked(base, limits, now) then
      return
    end
    local runId = rcall("ZRANGE", waitLine(base, scope, key), 0, 0)[1]
    local keyBlockedUntil = limits.ratePerKey and rateBlockedUntil(base, scope, key, limits, now)
    if not runId then
      rcall("ZREM", ready, key)
    elseif keyBlockedUntil then
      rcall("ZADD", base .. SLOT.timers, keyBlockedUntil, scopeOf(scope, key))
      rcall("ZREM", ready, key)
    else
      grant(base, scope, key, runId, now, grantLeaseMs, granted, limits)
      lineUp(base, scope, key, limits, true)
    end
  end
  if not once then
    rcall("ZADD", base .. SLOT.timers, now, scope)
  end
end

-- True when nobody waits for a slot of the scope and a run of this key may take one now:
-- below the scope's and the key's limits, their rate windows and the shared limits'.
local function freeNow(base, scope, key, limits, now)
  if limits.paused or rcall("HGET", base .. SLOT.queued, scope) then
    return false
  end
  if limits.limit and tonumber(rcall("HGET", base .. SLOT.held, scope) or "0") >= limits.limit then
    return false
  end
  if limits.perKey and heldUnder(base, scope, key) >= limits.perKey then
    return false
  end
  if limits.rate and rateBlockedUntil(base, scope, limits.ratePerKey and key or nil, limits, now) then
    return false
  end
  return not sharedBlocked(base, limits, now)
end

-- A shared limit has room (a slot of it went, or it changed): the tasks that name it take
-- turns at it, one grant at a time, the one served longest ago first.
local function fillShared(base, name, now, grantLeaseMs, granted)
  local tasks = base .. SLOT.sharedBy .. name
  for _ = 1, MAX_GRANTS do
    local served = false
    for _, scope in ipairs(rcall("ZRANGE", tasks, 0, -1)) do
      local before = #granted
      fill(base, scope, now, grantLeaseMs, granted, true)
      if #granted > before then
        rcall("ZADD", tasks, nextSequence(base), scope)
        served = true
        break
      end
    end
    if not served then
      return
    end
  end
  rcall("ZADD", base .. SLOT.timers, now, name)
end

-- What a slot that went frees: its shared limits' turns, then its own scope.
local function fillAfter(base, scope, shared, now, grantLeaseMs, granted)
  for _, name in ipairs(shared or {}) do
    fillShared(base, name, now, grantLeaseMs, granted)
  end
  fill(base, scope, now, grantLeaseMs, granted)
end

-- A scope of a shared limit is "@<name>"; a task id never starts with "@".
local function isShared(scope)
  return string.sub(scope, 1, 1) == "@"
end

-- The grants as a flat list to dispatch, 7 fields each: run id, job id, task, version,
-- warm worker, flow, grant number.
local function dispatchList(granted, except)
  local list = {}
  for _, record in ipairs(granted) do
    if record.r ~= except then
      for _, field in ipairs({record.r, record.j, record.t, record.v or "", record.w or "", record.f or "", tostring(record.g)}) do
        list[#list + 1] = field
      end
    end
  end
  return list
end

-- When a timer next comes due ("" for none): a worker sweeps then (FlowSystem.sweep).
local function nextTimer(base)
  return rcall("ZRANGE", base .. SLOT.timers, 0, 0, "WITHSCORES")[2] or ""
end
