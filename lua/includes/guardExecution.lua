-- @include "finishRun"
-- Fencing (DESIGN.md: a run executes in at most one worker at a time). A write from an
-- execution whose fence is not the run's current one is refused with -2. A cancel
-- requested while the run was executing takes effect here, at its next durable
-- operation, and the write is refused with -3.
local function guardExecution(runKey, eventsKey, activeKey, runId, fence, now)
  local run = rcall("HMGET", runKey, "status", "fence", "cancel")
  if run[1] ~= "running" or run[2] ~= fence then
    return -2
  end
  if run[3] == "1" then
    finishRun(runKey, eventsKey, activeKey, runId, "cancelled", now, nil, nil, '{"reason":"cancel requested"}')
    return -3
  end
  return 0
end
