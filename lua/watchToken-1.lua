--[[
  A run is about to wait on a token: registers it as the token's waiter, or reports that
  the token is already completed, failed or timed out. A token unblocks one waiting run.
  @key token      token hash
  @arg waiter     "runId|position"
  @arg now        (ms)
  @reply {"completed"|"failed", data}   data: the completion's data, or the failure's error JSON
  @reply {"timed_out"}
  @reply {"waiting", timeoutAt}
  @error TokenNotFound TokenHasWaiter
  @marks unit
]]
local tokenKey = KEYS[1]
local waiter, now = ARGV[1], ARGV[2]
local rcall = redis.call

local token = rcall("HMGET", tokenKey, "status", "timeoutAt", "data", "waiter")
if not token[1] then
  return -7
end
if token[1] == "completed" or token[1] == "failed" then
  return {token[1], token[3]}
end
if token[1] == "timed_out" or tonumber(now) >= tonumber(token[2]) then
  return {"timed_out"}
end
-- The same run again (a replay after a crash reaches the same wait) is the same waiter.
local runOf = function(w) return string.match(w, "^[^|]+") end
if token[4] and runOf(token[4]) ~= runOf(waiter) then
  return -10
end
rcall("HSET", tokenKey, "waiter", waiter)
return {"waiting", token[2]}
