--[[
  Records why a run stays on its version: a dry replay against a newer version's code met
  an operation its journal does not hold (libs/sdk/src/worker/upgrader.ts). Kept until the
  run moves on (a later check of a newer version, or an upgrade, replaces it), so the same
  code does not check the same journal again. Only a run that is as the replay read it.
  @key run        run hash
  @arg version    the run's version, as the replay read it
  @arg fence      the run's fence, as the replay read it
  @arg pin        JSON: { to, fence, position, recorded, reached, at }
  @reply integer  1 when recorded, 0 when the run went on meanwhile (or is gone)
]]
local runKey = KEYS[1]
local run = redis.call("HMGET", runKey, "ver", "fence")
if (run[1] or "") ~= ARGV[1] or (run[2] or "0") ~= ARGV[2] then
  return 0
end
redis.call("HSET", runKey, "pin", ARGV[3])
return 1
