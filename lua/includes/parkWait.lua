-- @include "pushEvent"
-- @include "activeTime"
-- Parks a running run on a wait: journals the wait's entry at its position (unless `entry`
-- is "": an earlier execution journaled it), stops the active-time clock, names the job
-- that wakes it if anything but an outside event does (`wakeAt` ~= ""), and records which
-- worker keeps the execution warm (`warm`, "" for none) so its resume is sent there.
-- Returns the wake-up job id, or "".
local function parkWait(runKey, runId, position, entry, waitJson, wakeAt, now, warm)
  if entry ~= "" then
    journal(runKey, position, entry)
  end
  local job = ""
  if wakeAt ~= "" then
    job = runId .. "-" .. rcall("HINCRBY", runKey, "dseq", 1)
  end
  rcall("HSET", runKey, "status", "waiting", "wait", waitJson, "job", job, "runAt", wakeAt ~= "" and wakeAt or "0",
    "activeMs", stopActiveClock(runKey, now), "updatedAt", now)
  if warm ~= "" then
    rcall("HSET", runKey, "warm", warm)
  else
    rcall("HDEL", runKey, "warm")
  end
  pushEvent(runKey, "parked", now, rcall("HGET", runKey, "attempt"), position)
  return job
end
