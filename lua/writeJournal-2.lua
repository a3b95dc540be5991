--[[
  Records the result of a durable operation at its journal position.
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg fence
  @arg position
  @arg entry      entry JSON, "" when it was journaled before (a wait's result comes later)
  @arg result     result JSON ("" for none)
  @arg now        (ms)
  @arg runId
  @reply integer  1
  @error StaleExecution Cancelled
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
-- Fencing lets one execution at a time write, and an execution claims each position once.
if ARGV[3] ~= "" then
  journal(runKey, position, ARGV[3])
end
if ARGV[4] ~= "" then
  journal(runKey, "r" .. position, ARGV[4])
end
return 1
