--[[
  Moves units of the retention due index (systems/retention.ts) to when they next come
  due, or out of it, each only if its score is still the one the sweeper read: a unit
  fed again meanwhile (a run of it ended since) keeps its new, earlier score.
  @key due        the due index (zset: unit id -> when to look at it, ms)
  @arg ...moves   unit, score read, new score ("" removes it), for each unit
  @reply integer  how many moved
]]
local due = KEYS[1]
local rcall = redis.call
local moved = 0
for i = 1, #ARGV, 3 do
  local unit, seen, nextScore = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local score = rcall("ZSCORE", due, unit)
  if score and tonumber(score) == tonumber(seen) then
    if nextScore == "" then
      rcall("ZREM", due, unit)
    else
      rcall("ZADD", due, nextScore, unit)
    end
    moved = moved + 1
  end
end
return moved
