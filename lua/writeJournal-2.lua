--[[
  Records the result of a durable operation at its journal position.
  KEYS[1] run hash (its journal and events are fields of it)   KEYS[2] session hash (its runs are fields of it)
  ARGV[1] fence   ARGV[2] position   ARGV[3] entry JSON   ARGV[4] result JSON ("" for none)
  ARGV[5] now (ms)   ARGV[6] run id
  Returns 1
  Errors: -2 stale execution, -3 cancelled, -6 position already written
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local fence, position, now, runId = ARGV[1], ARGV[2], ARGV[5], ARGV[6]
local rcall = redis.call

-- @include "guardExecution"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
if rcall("HSETNX", runKey, position, ARGV[3]) == 0 then
  return -6
end
if ARGV[4] ~= "" then
  rcall("HSET", runKey, "r" .. position, ARGV[4])
end
return 1
