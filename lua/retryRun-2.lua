--[[
  Retries a failed run from its last good step, as a new attempt of the same run: its
  journal (every step that succeeded, every wait's result) is kept, the failed attempt's
  error goes, and the run is queued again with a fresh set of attempts (`aBase`, the
  attempts spent before, is what the attempt limit is counted from). Its next start
  replays the journal and runs live from the operation that failed.
  @key run        run hash
  @key session    session hash
  @arg now        (ms)
  @arg runId
  @reply {"retried", jobId, version}
  @error RunNotFound SessionNotFound SessionClosed RunNotFailed RunHasParent
  @marks retention
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local now, runId = ARGV[1], ARGV[2]
local rcall = redis.call

-- @include "keyNames"
-- @include "pushEvent"
-- @include "sessionRuns"
-- @include "sessionRefusal"

local run = rcall("HMGET", runKey, "status", "parent", "attempt", "ver")
if not run[1] then
  return -1
end
if run[1] ~= "failed" then
  return -15
end
-- A parent was told of the failure and went on with it: the child's later end would reach no one.
if run[2] then
  return -16
end
local refusal = sessionRefusal(sessionKey)
if refusal then
  return refusal
end
local attempt = tonumber(run[3]) + 1
local job = runId .. "-" .. rcall("HINCRBY", runKey, "dseq", 1)
rcall("HSET", runKey, "status", "queued", "attempt", attempt, "aBase", attempt - 1, "job", job, "runAt", "0", "updatedAt", now)
rcall("HDEL", runKey, "error", "finishedAt")
rcall("HDEL", sessionKey, PART.finishedRun .. ownOfRun(runId))
rcall("HSET", sessionKey, PART.activeRun .. ownOfRun(runId), "1", "updatedAt", now)
pushEvent(runKey, "retried", now, attempt, '{"reason":"retry requested"}')
return {"retried", job, run[4] or ""}
