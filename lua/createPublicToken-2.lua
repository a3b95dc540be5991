--[[
  Records a public access token's scope and limits (never its secret) unless it exists:
  creation in a run is retried with the same id after a crash.
  @key token      public token hash (in the session's hash tag)
  @key session    session hash
  @arg scope      scope JSON
  @arg maxUses    "" for unlimited
  @arg expiresAt  (ms) "" for never
  @arg now        (ms)
  @arg ownId      the token's own id part
  @reply integer  1 when created, 0 when it existed
  @marks unit
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
