--[[
  Creates a session unless it exists.
  KEYS[1] session hash
  ARGV[1] session id   ARGV[2] externalId ("" for none)   ARGV[3] tags JSON
  ARGV[4] metadata JSON   ARGV[5] now (ms)
  Returns 1 when created, 0 when it already existed.
]]
local sessionKey = KEYS[1]
local rcall = redis.call

if rcall("EXISTS", sessionKey) == 1 then
  return 0
end
-- No id field: the key carries it (its hash tag), and every parked run pays for each byte.
rcall("HSET", sessionKey, "status", "open", "createdAt", ARGV[5], "updatedAt", ARGV[5])
-- Defaults (no externalId, no tags, no metadata) are not stored: every byte counts per session.
if ARGV[2] ~= "" then rcall("HSET", sessionKey, "externalId", ARGV[2]) end
if ARGV[3] ~= "[]" then rcall("HSET", sessionKey, "tags", ARGV[3]) end
if ARGV[4] ~= "{}" then rcall("HSET", sessionKey, "metadata", ARGV[4]) end
return 1
