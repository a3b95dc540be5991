--[[
  Deletes a token past its retention (systems/retention.ts): completed or timed out at or
  before the cutoff. A waiting token (not yet past its timeout) is left alone.
  KEYS[1] token hash
  ARGV[1] cutoff (ms)
  Returns {tags JSON, idem} of the deleted token, or {} when it stays
]]
local tokenKey = KEYS[1]
local rcall = redis.call

local token = rcall("HMGET", tokenKey, "status", "completedAt", "timeoutAt", "tags", "idem")
if not token[1] then
  return {}
end
local endedAt
if token[1] == "completed" then
  endedAt = token[2]
elseif token[1] == "timed_out" or token[1] == "waiting" then
  -- A waiting token past its timeout has timed out (records.ts reads it so).
  endedAt = token[3]
end
if not endedAt or tonumber(endedAt) > tonumber(ARGV[1]) then
  return {}
end
rcall("DEL", tokenKey)
return {token[4] or "[]", token[5] or ""}
