--[[
  Parks a run on a wait: journals the wait at its position, gives the run back (status
  waiting, active time stops) and names the job that will wake it.
  KEYS[1] run hash (its journal and events are fields of it)   KEYS[2] session hash (its runs are fields of it)
  ARGV[1] fence   ARGV[2] position   ARGV[3] entry JSON   ARGV[4] wait JSON {kind, pos, dueAt?}
  ARGV[5] wake-up time in ms ("" when only an outside event resolves the wait)
  ARGV[6] now (ms)   ARGV[7] run id   ARGV[8] the worker that keeps the execution warm ("" for none)
  The entry (ARGV[3]) is "" when an earlier execution journaled it.
  Returns {wakeJobId} ("" when no job is needed)
  Errors: -2 stale execution, -3 cancelled
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local fence, position, wakeAt, now, runId = ARGV[1], ARGV[2], ARGV[5], ARGV[6], ARGV[7]
local rcall = redis.call

-- @include "guardExecution"
-- @include "parkWait"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
return {parkWait(runKey, runId, position, ARGV[3], ARGV[4], wakeAt, now, ARGV[8])}
