--[[
  Appends to a session output stream and journals the entry id in one step, so a
  replayed run never appends twice.
  The session's count of the stream's entries counts every append, trimmed ones too.
  Publishes each append on the channel named like the stream's key, for API processes
  following the stream (their one subscriber connection): "<previous id> <id> <runId>
  <now> <data>", the data left out past 16 KiB. A follower whose cursor is the previous id
  gives the entry out from the message; any other reads the stream from its cursor. What
  was appended is always in the stream, so a message lost costs latency, never an entry.
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it; it also counts entries per stream)
  @key stream     output stream
  @arg fence
  @arg position
  @arg streamName
  @arg data       data JSON
  @arg now        (ms)
  @arg runId
  @arg cap        the stream's cap: trimmed to about this many entries, oldest first (0: no cap)
  @reply string   the entry id
  @error StaleExecution Cancelled
]]
local runKey, sessionKey, streamKey = KEYS[1], KEYS[2], KEYS[3]
local fence, position, stream, data, now, runId, cap = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7] or "0")
local rcall = redis.call

-- @include "keyNames"
-- @include "guardExecution"
-- @include "history"
-- @include "waitOutcomes"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
local previous = rcall("XREVRANGE", streamKey, "+", "-", "COUNT", 1)[1]
local entryId
if cap > 0 then
  -- Approximate (~): Redis trims whole nodes only, so a cap costs nothing per append.
  entryId = rcall("XADD", streamKey, "MAXLEN", "~", cap, "*", "d", data, "r", runId, "at", now)
else
  entryId = rcall("XADD", streamKey, "*", "d", data, "r", runId, "at", now)
end
-- The session hash counts each stream's entries in a field named like the stream's key.
rcall("HINCRBY", sessionKey, KEY.outputStream .. stream, 1)
journal(runKey, position, outputEntry(stream, entryId))
local message = (previous and previous[1] or "0-0") .. " " .. entryId .. " " .. runId .. " " .. now
if #data <= 16384 then
  message = message .. " " .. data
end
rcall("PUBLISH", streamKey, message)
return entryId
