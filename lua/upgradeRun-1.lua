--[[
  Moves a run to a newer version of its task code, once a dry replay found that code meets
  the run's journal operation for operation (libs/sdk/src/worker/upgrader.ts): only when the
  run is as the replay read it (parked or queued, on version `from`, at `fence`). The worker
  that kept it warm runs the old code, so its mark goes (the resume goes to the new
  version's queue), and so does the reason an earlier check left it pinned.
  @key run        run hash
  @arg from       the version the run is on
  @arg to         the version it moves to
  @arg fence      the run's fence when the replay read its journal
  @arg now        (ms)
  @reply {"upgraded", status, job, runAt, warm}   its next job ("" for none), for the caller to move to the new version's queues, and the worker that kept it warm, whose own queue may hold that job
  @reply {"moved"}   the run went on, or moved, since the replay read it: nothing changed
  @marks unit
]]
local runKey = KEYS[1]
local from, to, fence, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local run = redis.call("HMGET", runKey, "status", "ver", "fence", "job", "runAt", "warm")
local status = run[1]
if (status ~= "waiting" and status ~= "queued") or (run[2] or "") ~= from or (run[3] or "0") ~= fence then
  return {"moved"}
end
redis.call("HSET", runKey, "ver", to, "updatedAt", now)
redis.call("HDEL", runKey, "warm", "pin")
return {"upgraded", status, run[4] or "", run[5] or "0", run[6] or ""}
