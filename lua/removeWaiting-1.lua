--[[
  Takes runs out of the waiting-runs index (lua/addWaiting-2.lua), each with the score it
  was added with. An emptied bucket leaves the directory, unless it is the newest (the
  next adds go there); its range then joins the previous bucket's.
  KEYS[1] directory   ARGV[1] bucket key prefix   ARGV[2..] pairs of member (run id) and score
  Returns how many were removed (a member not there with that score is skipped).
]]
local dir, prefix = KEYS[1], ARGV[1]
local rcall = redis.call

local function removeOne(member, score)
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
end

local removed = 0
for i = 2, #ARGV, 2 do
  removed = removed + removeOne(ARGV[i], ARGV[i + 1])
end
return removed
