--[[
  Creates a token unless it exists (creation is retried with the same id after a crash). A
  token a run creates lives under the run's session's tag, and the session names it
  (`tok:<own>`), so erasing the session deletes it whatever its state, even once the run
  itself has passed its retention.
  @key token      token hash
  @key session    the session hash of the run that creates it, when the token lives under
    its tag (the token hash again otherwise: a token outside any run, or of a tag of its own)
  @arg timeoutAt  (ms)
  @arg tags       tags JSON
  @arg metadata   metadata JSON
  @arg now        (ms)
  @arg runId      the run that created it ("" outside a run)
  @arg idempotencyKey  "" for none; kept so a restored snapshot rebuilds its index
  @reply integer  1 when created, 0 when it existed
  @error TokenDeleted   the run created this token before and retention deleted it (its
    session keeps `tok:<own>` = "deleted"): a replay must not bring back a token that ended long ago
  @marks retention
]]
local tokenKey, sessionKey = KEYS[1], KEYS[2]
local timeoutAt, tags, metadata, now, runId, idem = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local rcall = redis.call

-- @include "tokenField"

if rcall("EXISTS", tokenKey) == 1 then
  return 0
end
local field = sessionKey ~= tokenKey and tokenField(tokenKey) or nil
if field and rcall("HGET", sessionKey, field) == "deleted" then
  return -14
end
rcall("HSET", tokenKey, "status", "waiting", "timeoutAt", timeoutAt, "createdAt", now, "updatedAt", now)
if tags ~= "[]" then rcall("HSET", tokenKey, "tags", tags) end
if metadata ~= "{}" then rcall("HSET", tokenKey, "metadata", metadata) end
if runId ~= "" then rcall("HSET", tokenKey, "runId", runId) end
if field then
  rcall("HSET", sessionKey, field, "")
end
if idem ~= "" then rcall("HSET", tokenKey, "idem", idem) end
return 1
