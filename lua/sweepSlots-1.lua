--[[
  What the slots must do by the clock: a lease that ran out lets its slot go (a worker
  died holding it; a granted run that never started goes back to its place in line), and
  a timer that came due looks at its scope again (a rate's window opened, or more is
  waiting than one script grants). Every worker runs it every second, and when the last
  reply's nextTimerAt comes.
  @key runs       the slots' records (run id to JSON, includes/slots.lua)
  @arg base       "<prefix>:{limits}:"
  @arg grantLeaseMs  how long a granted run may take to start before its slot is given on
  @arg now        (ms)
  @reply {dispatch:list, nextTimerAt}   as acquireSlot's
]]
local runsKey = KEYS[1]
local base, grantLeaseMs, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local rcall = redis.call

-- @include "slots"

local scopes, order = {}, {}
local function touch(scope)
  if not scopes[scope] then
    scopes[scope] = true
    order[#order + 1] = scope
  end
end
local function touchAll(names)
  for _, name in ipairs(names or {}) do
    touch(name)
  end
end

for _, runId in ipairs(rcall("ZRANGEBYSCORE", base .. SLOT.leases, "-inf", now, "LIMIT", 0, 100)) do
  local text = rcall("HGET", runsKey, runId)
  if not text then
    rcall("ZREM", base .. SLOT.leases, runId)
  else
    local record = cjson.decode(text)
    local limits = limitsOf(base, record.s)
    touchAll(record.n)
    if record.st == "g" then
      requeue(base, record, limits)
    else
      dropHolder(base, record)
      lineUp(base, record.s, record.k, limits, false)
    end
    touch(record.s)
  end
end

for _, due in ipairs(rcall("ZRANGEBYSCORE", base .. SLOT.timers, "-inf", now, "LIMIT", 0, 100)) do
  rcall("ZREM", base .. SLOT.timers, due)
  local bar = string.find(due, "|", 1, true)
  local scope = bar and string.sub(due, 1, bar - 1) or due
  if bar then
    lineUp(base, scope, string.sub(due, bar + 1), limitsOf(base, scope), false)
  end
  touch(scope)
end

-- Shared limits first: the tasks sharing one take turns at what it frees.
local granted = {}
for _, scope in ipairs(order) do
  if isShared(scope) then
    fillShared(base, scope, now, grantLeaseMs, granted)
  end
end
for _, scope in ipairs(order) do
  if not isShared(scope) then
    fill(base, scope, now, grantLeaseMs, granted)
  end
end
return {dispatchList(granted, nil), nextTimer(base)}
