--[[
  A run reaches waits.first with nothing settled yet outside the session (its tokens,
  child runs and timers were looked at just before): if an input branch's
  (stream, correlationId) has a buffered input, the first such branch in the order given
  wins it at once and the run does not park; otherwise the run parks on the whole wait,
  queued on every input branch's (stream, correlationId) behind earlier waits.
  The wait's entry was journaled before (its child runs are triggered after it).
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg fence
  @arg position
  @arg wait       wait JSON (lua/includes/firstWait.lua)
  @arg wakeAt     wake-up time in ms: the earliest timer or token timeout ("" for none)
  @arg now        (ms)
  @arg runId
  @arg tagPrefix  the session's tag prefix
  @arg warmWorker the worker that keeps the execution warm while it is parked ("" for none)
  @reply {"won", key, result}   result: the wait's result JSON, firstWait.lua wonBy
  @reply {"parked", wakeJobId}
  @error StaleExecution Cancelled
  @marks unit
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local fence, position, now, runId, tagPrefix = ARGV[1], ARGV[2], ARGV[5], ARGV[6], ARGV[7]
local rcall = redis.call

-- @include "keyNames"
-- @include "guardExecution"
-- @include "parkWait"
-- @include "firstWait"
-- @include "waitOutcomes"
-- @include "recordConsumption"
-- @include "history"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end

local wait = cjson.decode(ARGV[3])
for _, branch in ipairs(wait.branches) do
  if branch.kind == "input" then
    local buffered = popOldest(bufferKey(tagPrefix, branch.stream, branch.corr))
    if buffered then
      local data = inputData(tagPrefix, branch.stream, buffered)
      local result = wonBy(branch.key, okOutcome(data))
      journal(runKey, "r" .. position, result)
      recordConsumption(tagPrefix .. KEY.inputConsumed .. branch.stream, buffered, runId, position, now)
      return {"won", branch.key, result}
    end
  end
end

local job = parkWait(runKey, runId, position, "", ARGV[3], ARGV[4], now, ARGV[8])
for _, branch in ipairs(wait.branches) do
  if branch.kind == "input" then
    queueWait(sessionKey, branch.stream, branch.corr, runId)
  end
end
return {"parked", job}
