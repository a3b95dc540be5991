-- The keys of one (stream, correlationId) of a session, from the session's tag prefix:
-- the parked waits and the buffered inputs, each a zset ordered by the session's sequence
-- (so both are served oldest first; a small zset is far smaller than a list on Redis 7.0).
-- Stream names cannot contain "|" (they are validated as names), so "stream|corr" is unique.
local function waitsKey(tagPrefix, stream, corr)
  return tagPrefix .. "w:" .. stream .. "|" .. corr
end
local function bufferKey(tagPrefix, stream, corr)
  return tagPrefix .. "buf:" .. stream .. "|" .. corr
end
local function nextSeq(tagPrefix)
  return rcall("HINCRBY", tagPrefix .. "s", "seq", 1)
end
local function popOldest(key)
  local popped = rcall("ZPOPMIN", key)
  return popped[1]
end
