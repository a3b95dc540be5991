--[[
  Completes a token (ARCHITECTURE.md invariant 4). The same canonical data again returns the
  first completion; other data, or any completion at or after the timeout, is refused.
  KEYS[1] token hash
  ARGV[1] data JSON   ARGV[2] canonical data JSON   ARGV[3] now (ms)
  Returns {"completed", waiter, completedAt} (waiter "runId|position" or "")
        | {"already", data, completedAt, waiter}
  Errors: -7 token not found, -8 completed with other data, -9 timed out
]]
local tokenKey = KEYS[1]
local data, canon, now = ARGV[1], ARGV[2], ARGV[3]
local rcall = redis.call

local token = rcall("HMGET", tokenKey, "status", "timeoutAt", "canon", "data", "completedAt", "waiter")
if not token[1] then
  return -7
end
if token[1] == "completed" then
  if token[3] == canon then
    return {"already", token[4], token[5], token[6] or ""}
  end
  return -8
end
if tonumber(now) >= tonumber(token[2]) then
  rcall("HSET", tokenKey, "status", "timed_out", "updatedAt", now)
  return -9
end
rcall("HSET", tokenKey, "status", "completed", "data", data, "canon", canon, "completedAt", now, "updatedAt", now)
return {"completed", token[6] or "", now}
