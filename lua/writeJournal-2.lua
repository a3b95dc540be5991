--[[
  Records the result of a durable operation at its journal position.
  KEYS[1] run hash (its journal and events are fields of it)   KEYS[2] session hash (its runs are fields of it)
  ARGV[1] fence   ARGV[2] position   ARGV[3] entry JSON   ARGV[4] result JSON ("" for none)
  ARGV[5] now (ms)   ARGV[6] run id
  The entry (ARGV[3]) is "" when it was journaled before (a wait's result comes later).
  Returns 1
  Errors: -2 stale execution, -3 cancelled
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
