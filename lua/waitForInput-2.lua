--[[
  A run reaches an input wait: if a buffered input matches (stream, correlationId), the
  oldest is consumed at once and the run does not park; otherwise the run parks, queued
  behind earlier waits on the same (stream, correlationId).
  A consumed input is journaled by its entry id when its data is longer than that
  (history.lua, inputResult): the stream keeps the data, and a replay reads it from there.
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg fence
  @arg position
  @arg entry      entry JSON, "" when an earlier execution journaled it
  @arg wait       wait JSON {kind, pos, stream, corr, timeoutAt?}
  @arg timeoutAt  timeout time in ms ("" for none)
  @arg now        (ms)
  @arg runId
  @arg tagPrefix  the session's tag prefix
  @arg stream     stream name
  @arg corr       correlationId ("" for none)
  @arg park       "1" to park when nothing is buffered, "0" to only take a buffered input (once/on)
  @arg warmWorker the worker that keeps the execution warm while it is parked ("" for none)
  @reply {"consumed", entryId, data}
  @reply {"parked", timeoutJobId}
  @reply {"empty"}
  @error StaleExecution Cancelled
  @marks unit
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local fence, position, timeoutAt, now, runId = ARGV[1], ARGV[2], ARGV[5], ARGV[6], ARGV[7]
local tagPrefix, stream, corr = ARGV[8], ARGV[9], ARGV[10]
local rcall = redis.call

-- @include "keyNames"
-- @include "guardExecution"
-- @include "parkWait"
-- @include "waitKeys"
-- @include "recordConsumption"
-- @include "history"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end

local buffered = popOldest(bufferKey(tagPrefix, stream, corr))
if buffered then
  local data = inputData(tagPrefix, stream, buffered)
  if ARGV[3] ~= "" then
    journal(runKey, position, ARGV[3])
  end
  journal(runKey, "r" .. position, inputResult(data, buffered))
  recordConsumption(tagPrefix .. KEY.inputConsumed .. stream, buffered, runId, position, now)
  return {"consumed", buffered, data}
end
if ARGV[11] ~= "1" then
  return {"empty"}
end

local job = parkWait(runKey, runId, position, ARGV[3], ARGV[4], timeoutAt, now, ARGV[12])
queueWait(sessionKey, stream, corr, runId)
return {"parked", job}
