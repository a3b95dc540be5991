--[[
  Completes a run with the task's return value.
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg fence
  @arg output     output JSON
  @arg now        (ms)
  @arg runId
  @reply integer  1
  @error StaleExecution Cancelled
  @marks retention
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
