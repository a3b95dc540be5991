--[[
  Appends to a session output stream and journals the entry id in one step, so a
  replayed run never appends twice.
  The session's count of the stream's entries counts every append, trimmed ones too.
  Publishes the stream's key on the channel of that name: API processes following the
  stream (their one subscriber connection) read on from their cursor when told. The
  message carries nothing; what was appended is read from the stream, so a message lost
  costs latency, never an entry.
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
rcall("PUBLISH", streamKey, "")
return entryId
