--[[
  Makes an existing run the child a parent waits for, when a child's trigger named it by
  its idempotencyKey: the run tells one parent of its end, so it takes this one only if it
  has none (or has this one already).
  @key run        run hash
  @arg parent     the parent's "<run id>|<wait position>[|<index in a batch>]"
  @reply {"adopted"|"already", status}
  @reply {"other", status}   another parent waits for it
  @error RunNotFound
]]
local runKey = KEYS[1]
local rcall = redis.call

local run = rcall("HMGET", runKey, "status", "parent")
if not run[1] then
  return -1
end
if not run[2] or run[2] == "" then
  rcall("HSET", runKey, "parent", ARGV[1])
  return {"adopted", run[1]}
end
return {run[2] == ARGV[1] and "already" or "other", run[1]}
