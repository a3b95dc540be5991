--[[
  A worker gives up a parked run it kept in memory (evicted, or the worker is stopping):
  its resume is then sent to the shared queue, not to that worker. Only that worker's mark
  goes; another worker may have parked the run since.
  @key run        run hash
  @arg workerId
  @reply integer  1 when the mark went, 0 when the run was not marked by that worker
]]
local runKey = KEYS[1]
if redis.call("HGET", runKey, "warm") ~= ARGV[1] then
  return 0
end
redis.call("HDEL", runKey, "warm")
return 1
