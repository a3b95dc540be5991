--[[
  Creates a token unless it exists (creation is retried with the same id after a crash). A
  token a run creates lives under the run's session's tag, and the session names it
  (`tok:<own>`), so erasing the session deletes it whatever its state, even once the run
  itself has passed its retention.
  KEYS[1] token hash   KEYS[2] the session hash of the run that creates it, when the token
  lives under its tag (KEYS[1] again otherwise: a token outside any run, or of a tag of its own)
  ARGV[1] token id   ARGV[2] timeout at (ms)   ARGV[3] tags JSON   ARGV[4] metadata JSON
  ARGV[5] now (ms)   ARGV[6] id of the run that created it ("" outside a run)
  ARGV[7] idempotency key ("" for none; kept so a restored snapshot rebuilds its index)
  Returns 1 when created, 0 when it existed.
  Errors: -14 the run created this token before and retention deleted it (its session keeps
    `tok:<own>` = "deleted"): a replay must not bring back a token that ended long ago
]]
local tokenKey, sessionKey = KEYS[1], KEYS[2]
local rcall = redis.call

-- @include "tokenField"

if rcall("EXISTS", tokenKey) == 1 then
  return 0
end
local field = sessionKey ~= tokenKey and tokenField(tokenKey) or nil
if field and rcall("HGET", sessionKey, field) == "deleted" then
  return -14
end
rcall("HSET", tokenKey, "status", "waiting", "timeoutAt", ARGV[2], "createdAt", ARGV[5], "updatedAt", ARGV[5])
if ARGV[3] ~= "[]" then rcall("HSET", tokenKey, "tags", ARGV[3]) end
if ARGV[4] ~= "{}" then rcall("HSET", tokenKey, "metadata", ARGV[4]) end
if ARGV[6] ~= "" then rcall("HSET", tokenKey, "runId", ARGV[6]) end
if field then
  rcall("HSET", sessionKey, field, "")
end
if ARGV[7] ~= "" then rcall("HSET", tokenKey, "idem", ARGV[7]) end
return 1
