-- The keys of one (stream, correlationId) of a session, from the session's tag prefix.
-- Stream names cannot contain "|" (they are validated as names), so "stream|corr" is unique.
local function waitsKey(tagPrefix, stream, corr)
  return tagPrefix .. "w:" .. stream .. "|" .. corr
end
local function bufferKey(tagPrefix, stream, corr)
  return tagPrefix .. "buf:" .. stream .. "|" .. corr
end
