--[[
  Extends or releases a lock only while the caller still holds it (a lock that expired and
  was taken by another process is left alone).
  @key lock       lock key
  @arg holder     the holder's token
  @arg ttl        new time to live in ms, or "0" to release
  @reply integer  1 when held (extended or released), 0 when another holder has it or nobody does
]]
if redis.call("GET", KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] == "0" then
  redis.call("DEL", KEYS[1])
else
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 1
