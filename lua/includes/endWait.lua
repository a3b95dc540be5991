-- Ends a run's pending wait. While a wait is pending, its "parked" event leaves the wait
-- out: the run's `wait` field holds it, and the same JSON twice would cost ~90 bytes per
-- parked run (ARCHITECTURE.md targets 1 KB). When the wait ends, the wait moves into that event
-- (the last one: nothing else happens to a parked run) and the field goes.

-- The events text with `wait` added to its last event, if that is a parked event without
-- its detail (lua/includes/pushEvent.lua: "P+<ms>[:<attempt>]").
local function withWaitOnParked(events, wait)
  local lastStart = 1
  local search = 1
  while true do
    local found = string.find(events, "\n", search, true)
    if not found or found >= #events then
      break
    end
    lastStart = found + 1
    search = found + 1
  end
  local last = string.sub(events, lastStart)
  if string.sub(last, 1, 1) == "P" and not string.find(last, " ", 1, true) then
    return string.sub(events, 1, -2) .. " " .. wait .. "\n"
  end
  return events
end

-- When a wait began: its caller takes the run out of the waiting-runs index with it
-- (systems/waiting-index.ts).
local function sinceOfWait(wait)
  return string.match(wait, '"since":(%d+)')
end

-- Returns when the wait began (nil when none was pending).
local function endWait(runKey)
  local wait = rcall("HGET", runKey, "wait")
  if not wait then
    return nil
  end
  local events = rcall("HGET", runKey, "events") or ""
  local updated = withWaitOnParked(events, wait)
  if updated ~= events then
    rcall("HSET", runKey, "events", updated)
  end
  rcall("HDEL", runKey, "wait")
  return sinceOfWait(wait)
end
