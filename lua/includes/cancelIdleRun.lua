-- @include "finishRun"
-- @include "waitKeys"
-- @include "firstWait"
-- @include "waitOutcomes"
-- Cancels a run that no worker is executing (queued or waiting). A pending wait is
-- resolved by the cancellation (ARCHITECTURE.md invariant 1), so a later timer, input or
-- token finds nothing to resolve. Returns "cancelled", "requested" (running: the
-- execution stops at its next durable operation) or "finished" (already terminal), and
-- for a wait it ended: when it began (endWait), its wake-up job ("" for none), the worker
-- that kept the run warm ("" for none) and the run's version (whose runs queue holds the job
-- otherwise), so the caller removes that job from its queue. A queued run's job due later
-- (a delayed trigger's) is handed back the same way: it would sit in its queue until then.
local function cancelIdleRun(runKey, sessionKey, runId, now, reason, tagPrefix)
  local run = rcall("HMGET", runKey, "status", "wait", "job", "warm", "ver", "runAt")
  local status = run[1]
  if status == "running" then
    rcall("HSET", runKey, "cancel", "1", "updatedAt", now)
    return "requested"
  end
  if status ~= "queued" and status ~= "waiting" then
    return "finished"
  end
  if status == "waiting" and run[2] then
    local wait = cjson.decode(run[2])
    journal(runKey, "r" .. wait.pos, failedOutcome(WAIT_ERROR.cancelled, "the run was cancelled"))
    if wait.kind == "input" then
      dropWait(sessionKey, wait.stream, wait.corr, runId)
    elseif wait.kind == "first" then
      dropFirstInputs(sessionKey, wait, runId, nil)
    end
  end
  local since = finishRun(runKey, sessionKey, runId, "cancelled", now, nil, nil, cjson.encode({reason = reason}))
  if status == "waiting" or tonumber(run[6] or "0") > tonumber(now) then
    return "cancelled", since, run[3] or "", run[4] or "", run[5] or ""
  end
  return "cancelled", since, "", "", ""
end
