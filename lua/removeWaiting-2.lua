--[[
  Takes runs out of the waiting-runs index (lua/addWaiting-3.lua), each by the time its
  wait began: its score is that time plus the fraction of its kind (waiting-index.ts),
  so each kind's score is tried; the entry found has its kind's count lowered. An emptied
  bucket leaves the directory, unless it is the newest (the next adds go there); its range
  then joins the previous bucket's.
  @key dir        directory
  @key kinds      the entries per kind (hash)
  @arg prefix     bucket key prefix
  @arg fractions  the kinds' fractions and names, ".25=input,.5=token,..."
  @arg ...pairs   member (run id) and since (ms), for each run
  @reply integer  how many were removed (a member not there with that since is skipped)
]]
local dir, kinds, prefix = KEYS[1], KEYS[2], ARGV[1]
local rcall = redis.call

-- Scores to try: with each kind's fraction (input, the commonest, first), then since as
-- such (entries written before kinds were kept). Built as strings: a Lua number would
-- print with 14 digits only.
local fractions = {}
for fraction, kind in string.gmatch(ARGV[2], "(%.%d+)=(%w+)") do
  fractions[#fractions + 1] = {fraction, kind}
end
fractions[#fractions + 1] = {"", nil}

local function removeAt(member, score)
  local bucket = rcall("ZREVRANGEBYSCORE", dir, score, "-inf", "LIMIT", 0, 1)[1]
  if not bucket then
    return false
  end
  -- Only the entry of that wait: a run that parked again meanwhile in the same bucket has
  -- its member's score moved to its new wait, which stays.
  local current = rcall("ZSCORE", prefix .. bucket, member)
  if not current or tonumber(current) ~= tonumber(score) then
    return false
  end
  rcall("ZREM", prefix .. bucket, member)
  if rcall("EXISTS", prefix .. bucket) == 0 and bucket ~= rcall("ZREVRANGE", dir, 0, 0)[1] then
    rcall("ZREM", dir, bucket)
  end
  return true
end

local removed = 0
for i = 3, #ARGV, 2 do
  local member, since = ARGV[i], ARGV[i + 1]
  for _, fraction in ipairs(fractions) do
    if removeAt(member, since .. fraction[1]) then
      if fraction[2] then
        rcall("HINCRBY", kinds, fraction[2], -1)
      end
      removed = removed + 1
      break
    end
  end
end
return removed
