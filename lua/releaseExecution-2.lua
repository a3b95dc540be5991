--[[
  Hands a running run back to the queue without spending an attempt (a worker shutting
  down). Bumping the fence makes the released execution stale, so it can write nothing.
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg fence
  @arg now        (ms)
  @arg runId
  @reply {jobId}
  @error StaleExecution Cancelled
  @marks unit
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local fence, now, runId = ARGV[1], ARGV[2], ARGV[3]
local rcall = redis.call

-- @include "guardExecution"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
local job = runId .. "-" .. rcall("HINCRBY", runKey, "dseq", 1)
rcall("HINCRBY", runKey, "fence", 1)
rcall("HSET", runKey, "status", "queued", "job", job, "runAt", "0", "activeMs", stopActiveClock(runKey, now), "updatedAt", now)
return {job}
