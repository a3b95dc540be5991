-- @include "pushEvent"
-- @include "activeTime"
-- Parks a running run on a wait: journals the wait's entry at its position (an entry left by
-- an earlier execution that parked there keeps its first form), stops the active-time clock
-- and names the job that wakes it, if anything but an outside event does (`wakeAt` ~= "").
-- Returns the wake-up job id, or "".
local function parkWait(runKey, runId, position, entry, waitJson, wakeAt, now)
  rcall("HSETNX", runKey, position, entry)
  local job = ""
  if wakeAt ~= "" then
    job = runId .. "-" .. rcall("HINCRBY", runKey, "dseq", 1)
  end
  rcall("HSET", runKey, "status", "waiting", "wait", waitJson, "job", job, "runAt", wakeAt ~= "" and wakeAt or "0",
    "activeMs", stopActiveClock(runKey, now), "updatedAt", now)
  -- Without the wait: the `wait` field holds it until the wait ends (endWait).
  pushEvent(runKey, "parked", now, rcall("HGET", runKey, "attempt"), nil)
  return job
end
