-- Ends a run's pending wait: the run's `wait` field goes (its parked event names the
-- wait's journal position, which holds the rest).

-- When a wait began: its caller takes the run out of the waiting-runs index with it
-- (waiting-index.ts).
local function sinceOfWait(wait)
  return wait and string.match(wait, '"since":(%d+)')
end

-- Returns when the wait began (nil when none was pending).
local function endWait(runKey)
  local wait = rcall("HGET", runKey, "wait")
  if not wait then
    return nil
  end
  rcall("HDEL", runKey, "wait")
  return sinceOfWait(wait)
end
