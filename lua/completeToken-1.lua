--[[
  Settles a token (ARCHITECTURE.md invariant 4): completes it with data, or fails it with an
  error (`data` then holds the error's JSON). The same outcome with the same canonical data
  again returns the first one; anything else, or any settling at or after the timeout, is
  refused.
  @key token      token hash
  @arg data       data JSON (the failure's error for "failed")
  @arg canon      canonical data JSON
  @arg now        (ms)
  @arg outcome    the outcome: "completed" or "failed"
  @reply {"completed"|"failed", waiter, completedAt}   waiter "runId|position" or ""
  @reply {"already", data, completedAt, waiter}
  @error TokenNotFound TokenCompletedOtherwise TokenFailed TokenTimedOut
  @marks retention
]]
local tokenKey = KEYS[1]
local data, canon, now, outcome = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local rcall = redis.call

local token = rcall("HMGET", tokenKey, "status", "timeoutAt", "canon", "data", "completedAt", "waiter")
if not token[1] then
  return -7
end
if token[1] == "completed" or token[1] == "failed" then
  if token[1] == outcome and token[3] == canon then
    return {"already", token[4], token[5], token[6] or ""}
  end
  return token[1] == "completed" and -8 or -13
end
if tonumber(now) >= tonumber(token[2]) then
  rcall("HSET", tokenKey, "status", "timed_out", "updatedAt", now)
  return -9
end
rcall("HSET", tokenKey, "status", outcome, "data", data, "canon", canon, "completedAt", now, "updatedAt", now)
return {outcome, token[6] or "", now}
