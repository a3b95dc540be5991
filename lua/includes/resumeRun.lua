-- @include "pushEvent"
-- @include "endWait"
-- @include "claimStart"
-- Resolves a parked run's wait and queues the run to resume: journals the wait's result
-- (`stored`), names the job that resumes it, ends the wait, records the "resumed" event
-- and claims the execution for that job (claimStart). `live` is the result as the resumed
-- code sees it (an input's data, which the journal keeps only as the input's entry id);
-- the job carries it. This is the hot path from an input or a token completion to resumed
-- code: nothing it reads grows with the run's history.
-- Returns the job id, when the wait began (endWait), the claim, and the id of the worker
-- that holds the run warm ("" for none; its job goes to that worker's queue).
local function resumeRun(runKey, runId, wait, stored, live, now)
  journal(runKey, "r" .. wait.pos, stored)
  local run = rcall("HMGET", runKey, "dseq", "attempt", "warm")
  local dseq = tonumber(run[1] or "0") + 1
  local job = runId .. "-" .. dseq
  rcall("HSET", runKey, "status", "queued", "job", job, "runAt", "0", "updatedAt", now, "dseq", dseq)
  local since = endWait(runKey)
  pushEvent(runKey, "resumed", now, run[2], nil)
  local warm = run[3] or ""
  return job, since, claimStart(runKey, wait.pos, live, warm ~= ""), warm
end
