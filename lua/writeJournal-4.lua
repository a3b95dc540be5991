--[[
  Records the result of a durable operation at its journal position.
  KEYS[1] run hash   KEYS[2] journal hash   KEYS[3] run events   KEYS[4] session active runs
  ARGV[1] fence   ARGV[2] position   ARGV[3] entry JSON   ARGV[4] result JSON ("" for none)
  ARGV[5] now (ms)   ARGV[6] run id
  Returns 1
  Errors: -2 stale execution, -3 cancelled, -6 position already written
]]
local runKey, journalKey, eventsKey, activeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
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
