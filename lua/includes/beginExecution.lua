-- @include "pushEvent"
-- Marks a run running for an execution that starts now: starts its active-time clock and
-- records a "started" event once per attempt (`execAttempt` is the attempt it was last
-- recorded for).
local function beginExecution(runKey, attempt, execAttempt, now)
  rcall("HSET", runKey, "status", "running", "execAt", now, "updatedAt", now)
  rcall("HSETNX", runKey, "startedAt", now)
  if tonumber(execAttempt or "0") ~= tonumber(attempt) then
    rcall("HSET", runKey, "execAttempt", attempt)
    pushEvent(runKey, "started", now, attempt, nil)
  end
end
