--[[
  The retention sweeper's look at one token (systems/retention.ts): deletes it when it
  completed or timed out at or before the cutoff. A waiting token (not yet past its
  timeout) is left alone. A token a run created stays named in its session's `tok:` field as
  "deleted" while the session lives, so a replay of the run does not create it again
  (createToken-2.lua).
  @key token      token hash
  @arg cutoff     (ms)
  @arg retention  token retention (ms)
  @reply {"deleted", tags, idempotencyKey, createdAt}
  @reply {"keep", next}   it ended after the cutoff or will time out (next: when it comes due); "" when it waits with no timeout
  @reply {"gone"}         there is no such token
]]
local tokenKey = KEYS[1]
local cutoff, retention = tonumber(ARGV[1]), tonumber(ARGV[2])
local rcall = redis.call

-- @include "keyNames"
-- @include "tokenField"

local token = rcall("HMGET", tokenKey, "status", "completedAt", "timeoutAt", "tags", "idem", "createdAt", "runId")
if not token[1] then
  return {"gone"}
end
local endedAt
if token[1] == "completed" or token[1] == "failed" then
  endedAt = tonumber(token[2])
elseif token[1] == "timed_out" or token[1] == "waiting" then
  -- A waiting token past its timeout has timed out (records.ts reads it so).
  endedAt = tonumber(token[3])
end
if not endedAt then
  return {"keep", ""}
end
if endedAt > cutoff then
  return {"keep", tostring(endedAt + retention)}
end
rcall("DEL", tokenKey)
if token[7] then
  local field, tagPrefix = tokenField(tokenKey)
  local sessionKey = tagPrefix .. KEY.session
  -- HSET on an erased session would bring its hash back: only a field that exists is marked.
  if rcall("HEXISTS", sessionKey, field) == 1 then
    rcall("HSET", sessionKey, field, "deleted")
  end
end
return {"deleted", token[4] or "[]", token[5] or "", token[6] or "0"}
