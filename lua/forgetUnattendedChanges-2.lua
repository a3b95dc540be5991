--[[
  Starts dropping the snapshot change marks when nobody takes snapshots (snapshots/lock.ts):
  no snapshot is being written (its lock is free) and none was attempted within the time
  the last attempt vouched for. Takes the snapshot lock for the caller, who then drops each
  shard's marks and lets go of it, and ends the chain (the next snapshot is a full one).
  @key lock       the snapshot lock
  @key state      the snapshot state hash
  @arg now        (ms)
  @arg holder     the lock's token
  @arg ttl        the lock's time to live (ms)
  @reply integer  1 when the lock was taken and the chain ended, else 0
]]
local lock, state = KEYS[1], KEYS[2]
local rcall = redis.call
if rcall("EXISTS", lock) == 1 then
  return 0
end
local attendedUntil = tonumber(rcall("HGET", state, "attendedUntil") or "0")
if attendedUntil > tonumber(ARGV[1]) then
  return 0
end
rcall("SET", lock, ARGV[2], "PX", ARGV[3])
rcall("HDEL", state, "last")
return 1
