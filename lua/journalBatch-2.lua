--[[
  Journals a batch of child runs a run's code triggers and will wait for
  (batchTriggerAndWait), before any child exists: the entry names every child, and the
  run hash starts counting their ends (fields "b<pos>:n", how many, and "b<pos>:d", how
  many ended), so a child that ends before its parent parks is not missed (settleBatch).
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg fence
  @arg position
  @arg entry      entry JSON
  @arg count      how many children
  @arg now        (ms)
  @arg runId
  @reply integer  1
  @error StaleExecution Cancelled
  @marks unit
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local fence, position, now, runId = ARGV[1], ARGV[2], ARGV[5], ARGV[6]
local rcall = redis.call

-- @include "guardExecution"
-- @include "history"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
journal(runKey, position, ARGV[3])
rcall("HSET", runKey, "b" .. position .. ":n", ARGV[4], "b" .. position .. ":d", 0)
return 1
