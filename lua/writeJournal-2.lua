--[[
  Records the result of a durable operation at its journal position. A batch of child runs
  the run's code triggers and will wait for (batchTriggerAndWait) is journaled here before
  any child exists, with its size: the run hash starts counting the children's ends (fields
  "b<pos>:n", how many, and "b<pos>:d", how many ended), so a child that ends before its
  parent parks is not missed (settleBatch-1.lua).
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg fence
  @arg position
  @arg entry      entry JSON, "" when it was journaled before (a wait's result comes later)
  @arg result     result JSON ("" for none)
  @arg now        (ms)
  @arg runId
  @arg batchSize  how many children the batch the entry names holds ("" for an operation that is no batch)
  @reply integer  1
  @error StaleExecution Cancelled
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local fence, position, entry, result, now, runId, batchSize = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local rcall = redis.call

-- @include "guardExecution"
-- @include "history"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
-- Fencing lets one execution at a time write, and an execution claims each position once.
if entry ~= "" then
  journal(runKey, position, entry)
end
if result ~= "" then
  journal(runKey, "r" .. position, result)
end
if batchSize ~= "" then
  rcall("HSET", runKey, "b" .. position .. ":n", batchSize, "b" .. position .. ":d", 0)
end
return 1
