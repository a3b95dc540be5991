--[[
  Completes a run with the task's return value.
  KEYS[1] run hash (its journal and events are fields of it)   KEYS[2] session hash (its runs are fields of it)
  ARGV[1] fence   ARGV[2] output JSON   ARGV[3] now (ms)   ARGV[4] run id
  Returns 1
  Errors: -2 stale execution, -3 cancelled
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local fence, now, runId = ARGV[1], ARGV[3], ARGV[4]
local rcall = redis.call

-- @include "guardExecution"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
finishRun(runKey, sessionKey, runId, "completed", now, "output", ARGV[2], nil)
return 1
