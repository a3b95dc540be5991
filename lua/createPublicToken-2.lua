--[[
  Records a public access token's scope and limits (never its secret) unless it exists:
  creation in a run is retried with the same id after a crash.
  KEYS[1] public token hash (in the session's hash tag)   KEYS[2] session hash
  ARGV[1] scope JSON   ARGV[2] max uses ("" for unlimited)   ARGV[3] expires at in ms ("" for never)
  ARGV[4] now (ms)   ARGV[5] the token's own id part
  Returns 1 when created, 0 when it existed.
]]
local tokenKey = KEYS[1]
local rcall = redis.call

-- @include "keyNames"

if rcall("EXISTS", tokenKey) == 1 then
  return 0
end
rcall("HSET", tokenKey, "scope", ARGV[1], "uses", "0", "createdAt", ARGV[4])
if ARGV[2] ~= "" then rcall("HSET", tokenKey, "maxUses", ARGV[2]) end
if ARGV[3] ~= "" then rcall("HSET", tokenKey, "expiresAt", ARGV[3]) end
-- The session lists its public tokens by their keys' names (pat:<own>), so a snapshot
-- finds them (dumpSession).
rcall("HSET", KEYS[2], KEY.publicToken .. ARGV[5], "1")
return 1
