--[[
  Sets a scope's limits as its task's code declares them (a worker starting) or as an
  operator sets them at runtime, and puts in force the two merged: a limit set at runtime
  wins over the code's, and a 0 there lifts the code's. A paused task (source "pause")
  has `paused` in force besides: no run of it takes a slot until it is resumed. Runs in
  line that the new limits let start are granted at once.
  @key runs       the slots' records (run id to JSON, includes/slots.lua)
  @arg base       "<prefix>:{limits}:"
  @arg scope
  @arg source     "code" | "set" | "pause"
  @arg limits     JSON { limit, perKey, rate, periodMs, ratePerKey, named } ("" to forget them);
    named: the shared limits ("@<name>" scopes) a task's code names, which only its code sets;
    for "pause": when it was paused (ms), or "" to resume it
  @arg grantLeaseMs
  @arg now        (ms)
  @reply {dispatch:list, nextTimerAt, limits}   limits: the ones now in force (JSON, "" for none)
]]
local runsKey = KEYS[1]
local base, scope, source, given, grantLeaseMs, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local rcall = redis.call

-- @include "slots"

local sourceKey = base .. (source == "code" and SLOT.codeLimits or source == "pause" and SLOT.paused or SLOT.setLimits)
if given == "" then
  rcall("HDEL", sourceKey, scope)
else
  rcall("HSET", sourceKey, scope, given)
end

local before = limitsOf(base, scope)
local code = cjson.decode(rcall("HGET", base .. SLOT.codeLimits, scope) or "{}")
local set = cjson.decode(rcall("HGET", base .. SLOT.setLimits, scope) or "{}")
local merged, any = {}, false
for _, field in ipairs({"limit", "perKey", "rate"}) do
  local value = set[field] or code[field]
  if value and value > 0 then
    merged[field] = value
    any = true
  end
end
if merged.rate then
  local from = set.rate and set or code
  merged.periodMs = from.periodMs
  merged.ratePerKey = from.ratePerKey or nil
end
if code.named and #code.named > 0 then
  merged.named = code.named
  any = true
end
if rcall("HEXISTS", base .. SLOT.paused, scope) == 1 then
  merged.paused = true
  any = true
end

-- The tasks that share a limit: those whose limits in force name it.
local named = {}
for _, name in ipairs(merged.named or {}) do
  named[name] = true
  rcall("ZADD", base .. SLOT.sharedBy .. name, "NX", 0, scope)
end
for _, name in ipairs(before.named or {}) do
  if not named[name] then
    rcall("ZREM", base .. SLOT.sharedBy .. name, scope)
  end
end
local text = any and cjson.encode(merged) or ""
if any then
  rcall("HSET", base .. SLOT.limits, scope, text)
else
  rcall("HDEL", base .. SLOT.limits, scope)
end

-- Keys a changed per-key limit frees (or holds back) take their place in line anew.
for _, key in ipairs(rcall("HKEYS", base .. SLOT.queuedByKey .. scope)) do
  lineUp(base, scope, key, merged, false)
end
local granted = {}
if isShared(scope) then
  fillShared(base, scope, now, grantLeaseMs, granted)
else
  fill(base, scope, now, grantLeaseMs, granted)
end
return {dispatchList(granted, nil), nextTimer(base), text}
