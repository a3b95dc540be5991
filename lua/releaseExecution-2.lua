--[[
  Hands a running run back to the queue without spending an attempt (a worker shutting
  down). Bumping the fence makes the released execution stale, so it can write nothing.
  KEYS[1] run hash (its journal and events are fields of it)   KEYS[2] session hash (its runs are fields of it)
  ARGV[1] fence   ARGV[2] now (ms)   ARGV[3] run id
  Returns {jobId}
  Errors: -2 stale execution, -3 cancelled
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
