--[[
  Creates a session unless it exists.
  @key session    session hash
  @arg externalId "" for none
  @arg tags       tags JSON
  @arg metadata   metadata JSON
  @arg now        (ms)
  @reply integer  1 when created, 0 when it already existed
  @marks retention
]]
local sessionKey = KEYS[1]
local externalId, tags, metadata, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local rcall = redis.call

if rcall("EXISTS", sessionKey) == 1 then
  return 0
end
-- No id field: the key carries it (its hash tag), and every parked run pays for each byte.
rcall("HSET", sessionKey, "status", "open", "createdAt", now, "updatedAt", now)
-- Defaults (no externalId, no tags, no metadata) are not stored: every byte counts per session.
if externalId ~= "" then rcall("HSET", sessionKey, "externalId", externalId) end
if tags ~= "[]" then rcall("HSET", sessionKey, "tags", tags) end
if metadata ~= "{}" then rcall("HSET", sessionKey, "metadata", metadata) end
return 1
