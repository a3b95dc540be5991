--[[
  Drops the snapshot change marks when nobody takes snapshots (snapshots/lock.ts): no
  snapshot is being written (its lock is free) and none was attempted within the time the
  last attempt vouched for. The chain ends with them (the next snapshot is a full one).
  Atomic, so a snapshot starting meanwhile is never refused for it.
  KEYS[1] the snapshot lock   KEYS[2] the snapshot state hash   KEYS[3] the change marks
  ARGV[1] now (ms)
  Returns 1 when the marks were dropped, else 0.
]]
local lock, state, changes = KEYS[1], KEYS[2], KEYS[3]
local rcall = redis.call
if rcall("EXISTS", lock) == 1 or rcall("EXISTS", changes) == 0 then
  return 0
end
local attendedUntil = tonumber(rcall("HGET", state, "attendedUntil") or "0")
if attendedUntil > tonumber(ARGV[1]) then
  return 0
end
rcall("DEL", changes)
rcall("HDEL", state, "last")
return 1
