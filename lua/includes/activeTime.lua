-- Stops the run's active-time clock for the execution now ending and returns the run's
-- active time including it (time parked does not count). The clock's start (`execAt`,
-- set by beginExecution) goes, so a parked run does not keep it.
local function stopActiveClock(runKey, now)
  local run = rcall("HMGET", runKey, "execAt", "activeMs")
  rcall("HDEL", runKey, "execAt")
  return tostring(tonumber(run[2] or "0") + (tonumber(now) - tonumber(run[1] or now)))
end
