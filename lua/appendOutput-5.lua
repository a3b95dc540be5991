--[[
  Appends to a session output stream and journals the entry id in one step, so a
  replayed run never appends twice.
  KEYS[1] run hash   KEYS[2] journal hash   KEYS[3] run events
  KEYS[4] session active runs (the session hash itself, which also counts entries per stream)
  KEYS[5] output stream
  ARGV[1] fence   ARGV[2] position   ARGV[3] stream name   ARGV[4] data JSON   ARGV[5] now (ms)   ARGV[6] run id
  Returns the entry id
  Errors: -2 stale execution, -3 cancelled, -6 position already written
]]
local runKey, journalKey, eventsKey, activeKey, streamKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local fence, position, now, runId = ARGV[1], ARGV[2], ARGV[5], ARGV[6]
local rcall = redis.call

-- @include "guardExecution"

local guard = guardExecution(runKey, eventsKey, activeKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
if rcall("HEXISTS", journalKey, position) == 1 then
  return -6
end
local entryId = rcall("XADD", streamKey, "*", "d", ARGV[4], "r", runId, "at", now)
rcall("HINCRBY", activeKey, "out:" .. ARGV[3], 1)
rcall("HSET", journalKey, position, '{"k":"output","n":"' .. ARGV[3] .. '","v":"' .. entryId .. '"}')
return entryId
