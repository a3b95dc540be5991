-- @include "finishRun"
-- @include "beginExecution"
-- Fencing (ARCHITECTURE.md: a run executes in at most one worker at a time). A write from an
-- execution whose fence is not the run's current one is refused with -2. A cancel
-- requested while the run was executing takes effect here, at its next durable
-- operation, and the write is refused with -3.
-- An execution started from its job's claim (claimStart) begins here, at its first write
-- that finds the run still queued with that claim: normally lua/beginClaimed-2.lua, sent
-- just after the execution starts; otherwise its first durable operation.
local function guardExecution(runKey, sessionKey, runId, fence, now)
  local run = rcall("HMGET", runKey, "status", "fence", "cancel", "claim", "attempt", "execAttempt")
  if run[2] ~= fence then
    return -2
  end
  if run[1] == "queued" and run[4] == fence then
    rcall("HDEL", runKey, "claim")
    beginExecution(runKey, run[5], run[6], now)
  elseif run[1] ~= "running" then
    return -2
  end
  if run[3] == "1" then
    finishRun(runKey, sessionKey, runId, "cancelled", now, nil, nil, '{"reason":"cancel requested"}')
    return -3
  end
  return 0
end
