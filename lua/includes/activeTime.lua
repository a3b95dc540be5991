-- The run's active time including the execution now ending (time parked does not count).
local function activeTimeUntil(runKey, now)
  local run = rcall("HMGET", runKey, "execAt", "activeMs")
  return tostring(tonumber(run[2] or "0") + (tonumber(now) - tonumber(run[1] or now)))
end
