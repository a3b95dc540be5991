--[[
  Decides, on the token, how a run's wait on it ends when the wait's timeout is due: with
  the token's data if it was completed in time (its completer may not have resumed the run
  yet, or died before), or with the timeout, which the token then records so that no later
  completion succeeds (ARCHITECTURE.md invariant 4). The token is the one place that decides, for
  completions and timeouts alike.
  @key token      token hash
  @arg now        (ms)
  @reply {"completed"|"failed", data}   data: the completion's data, or the failure's error JSON
  @reply {"timed_out"}
  @error TokenNotFound
  @marks retention
]]
local tokenKey = KEYS[1]
local rcall = redis.call

local token = rcall("HMGET", tokenKey, "status", "data")
if not token[1] then
  return -7
end
if token[1] == "completed" or token[1] == "failed" then
  return {token[1], token[2]}
end
if token[1] ~= "timed_out" then
  rcall("HSET", tokenKey, "status", "timed_out", "updatedAt", ARGV[1])
end
return {"timed_out"}
