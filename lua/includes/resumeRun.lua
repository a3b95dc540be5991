-- @include "pushEvent"
-- @include "endWait"
-- @include "claimStart"
-- Resolves a parked run's wait and queues the run to resume: journals the wait's result
-- (`stored`), names the job that resumes it, ends the wait (`waitJson`, the run's `wait`
-- field), records the "resumed" event and claims the execution for that job (claimStart).
-- `live` is the result as the resumed code sees it (an input's data, which the journal may
-- keep only as the input's entry id); the job carries it. This is the hot path from an
-- input or a token completion to resumed code: the run hash is read once and written once,
-- and nothing it reads grows with the run's history (but a small journal the claim carries).
-- Returns the job id, when the wait began (endWait), the claim, the id of the worker
-- that holds the run warm ("" for none; its job goes to that worker's queue), and the
-- wait's own wake-up job that this resume supersedes ("" for none: a wait without a timer
-- or timeout), which the caller removes so it does not sit delayed until its due time.
local function resumeRun(runKey, runId, wait, waitJson, stored, live, now)
  local run = rcall("HMGET", runKey, "dseq", "attempt", "warm", "fence", "activeMs", "payload", "eventAt", "createdAt", "j", "jn", "e", "en", "job")
  local dseq = tonumber(run[1] or "0") + 1
  local job = runId .. "-" .. dseq
  local fence = tonumber(run[4] or "0") + 1
  local warm = run[3] or ""
  local fields = {"status", "queued", "job", job, "runAt", "0", "updatedAt", now, "dseq", dseq, "fence", fence, "claim", fence}
  appendFields(fields, "j", run[9] or nil, run[10] or nil, "r" .. wait.pos .. " " .. stored .. "\n")
  eventFields(fields, "resumed", now, run[2], nil, run[7] or nil, run[8] or nil, run[11] or nil, run[12] or nil)
  rcall("HSET", runKey, unpack(fields))
  rcall("HDEL", runKey, "wait")
  local claim = claimOf(runKey, fence, run[2] or nil, run[5] or nil, run[6] or nil, warm ~= "", wait.pos, live)
  return job, sinceOfWait(waitJson), claim, warm, run[13] or ""
end
