--[[
  Adds a parked run to the waiting-runs index (waiting-index.ts): sorted sets of at
  most `size` members each ("buckets", which Redis keeps as compact listpacks while they
  stay under zset-max-listpack-entries), listed in a directory by the lowest score each may
  hold. Every member lies in the bucket whose range holds its score: [its start, the next
  bucket's start). That is what lets removeWaiting find a member from its score alone.
  The score's fraction says what the run waits on (waiting-index.ts), counted per
  kind in `kinds` for the metrics.
  @key dir        directory (zset: bucket number -> start score)
  @key sequence   the bucket number sequence
  @key kinds      the entries per kind (hash)
  @arg member     the run id
  @arg score      parked at (ms) plus the kind's fraction
  @arg prefix     bucket key prefix
  @arg size       bucket size
  @arg kind       the wait's kind
  @arg fractions  the kinds' fractions and names, ".25=input,.5=token,..."
  @reply integer  the bucket number
]]
local dir, sequence, kinds = KEYS[1], KEYS[2], KEYS[3]
-- The score stays a string: a Lua number would print with 14 digits, and a millisecond time with its fraction has 15 or more.
local member, score, prefix, size, kind = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local rcall = redis.call

local function newBucket(start)
  local bucket = tostring(rcall("INCR", sequence))
  rcall("ZADD", dir, start, bucket)
  return bucket
end

local bucket = rcall("ZREVRANGEBYSCORE", dir, score, "-inf", "LIMIT", 0, 1)[1]
if not bucket then
  -- Older than every bucket's start, or no bucket yet: the oldest bucket's range is widened.
  bucket = rcall("ZRANGE", dir, 0, 0)[1]
  if bucket then
    rcall("ZADD", dir, score, bucket)
  else
    bucket = newBucket(score)
  end
elseif rcall("ZCARD", prefix .. bucket) >= size then
  -- A full bucket is split at this score: its members from here on (none when this is the
  -- newest score, usually; late arrivals otherwise) move to a new bucket starting here.
  -- When every member would move, the bucket is filled past its size instead.
  local moving = rcall("ZRANGEBYSCORE", prefix .. bucket, score, "+inf", "WITHSCORES")
  if #moving / 2 < size then
    local from = prefix .. bucket
    bucket = newBucket(score)
    if #moving > 0 then
      local members, scored = {}, {}
      for i = 1, #moving, 2 do
        members[#members + 1] = moving[i]
        scored[#scored + 1] = moving[i + 1]
        scored[#scored + 1] = moving[i]
      end
      rcall("ZREM", from, unpack(members))
      rcall("ZADD", prefix .. bucket, unpack(scored))
    end
  end
end
-- A member already in that bucket (a run parking again before its old entry went) is
-- moved, not counted twice: its old kind (from its score's fraction) gives up the count.
local old = rcall("ZSCORE", prefix .. bucket, member)
rcall("ZADD", prefix .. bucket, score, member)
local oldKind = nil
if old then
  for fraction, name in string.gmatch(ARGV[6], "(%.%d+)=(%w+)") do
    if string.sub(old, -#fraction) == fraction then
      oldKind = name
    end
  end
end
if oldKind ~= kind then
  if oldKind then
    rcall("HINCRBY", kinds, oldKind, -1)
  end
  rcall("HINCRBY", kinds, kind, 1)
end
return bucket
