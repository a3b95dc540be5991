--[[
  Records the result of a durable operation at its journal position.
  KEYS[1] run hash (its journal and events are fields of it)   KEYS[2] session hash (its runs are fields of it)
  ARGV[1] fence   ARGV[2] position   ARGV[3] entry JSON   ARGV[4] result JSON ("" for none)
  ARGV[5] now (ms)   ARGV[6] run id
  Returns 1
  Errors: -2 stale execution, -3 cancelled, -6 position already written
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
-- A run's journal and events are fields of its hash, and a session's runs fields of the
-- session hash (libs/broker/ARCHITECTURE.md): the helpers below take each by its role.
local journalKey, eventsKey, activeKey = runKey, runKey, sessionKey
local fence, position, now, runId = ARGV[1], ARGV[2], ARGV[5], ARGV[6]
local rcall = redis.call

-- @include "guardExecution"

local guard = guardExecution(runKey, eventsKey, activeKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
if rcall("HSETNX", journalKey, position, ARGV[3]) == 0 then
  return -6
end
if ARGV[4] ~= "" then
  rcall("HSET", journalKey, "r" .. position, ARGV[4])
end
return 1
