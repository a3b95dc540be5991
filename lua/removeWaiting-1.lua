--[[
  Takes a run out of the waiting-runs index (lua/addWaiting-2.lua). An emptied bucket
  leaves the directory, unless it is the newest (the next adds go there); its range then
  joins the previous bucket's.
  KEYS[1] directory   ARGV[1] member (run id)   ARGV[2] score it was added with   ARGV[3] bucket key prefix
  Returns 1 when removed, 0 when it was not there (with that score).
]]
local dir = KEYS[1]
local member, score, prefix = ARGV[1], ARGV[2], ARGV[3]
local rcall = redis.call

local bucket = rcall("ZREVRANGEBYSCORE", dir, score, "-inf", "LIMIT", 0, 1)[1]
if not bucket then
  return 0
end
-- Only the entry of that wait: a run that parked again meanwhile in the same bucket has
-- its member's score moved to its new wait, which stays.
local current = rcall("ZSCORE", prefix .. bucket, member)
if not current or tonumber(current) ~= tonumber(score) then
  return 0
end
rcall("ZREM", prefix .. bucket, member)
if rcall("EXISTS", prefix .. bucket) == 0 and bucket ~= rcall("ZREVRANGE", dir, 0, 0)[1] then
  rcall("ZREM", dir, bucket)
end
return 1
