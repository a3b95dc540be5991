--[[
  Parks a run on a wait: journals the wait at its position, gives the run back (status
  waiting, active time stops) and names the job that will wake it.
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg fence
  @arg position
  @arg entry      entry JSON, "" when an earlier execution journaled it
  @arg wait       wait JSON {kind, pos, dueAt?}
  @arg wakeAt     wake-up time in ms ("" when only an outside event resolves the wait)
  @arg now        (ms)
  @arg runId
  @arg warmWorker the worker that keeps the execution warm ("" for none)
  @reply {wakeJobId}   "" when no job is needed
  @error StaleExecution Cancelled
  @marks unit
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
