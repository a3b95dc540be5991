-- Ends a run's pending wait. While a wait is pending, its "parked" event leaves the wait
-- out: the run's `wait` field holds it, and the same JSON twice would cost ~90 bytes per
-- parked run (DESIGN.md targets 1 KB). When the wait ends, the wait moves into that event
-- (the last one: nothing else happens to a parked run) and the field goes.
-- Returns when the wait began (nil when none was pending): its caller takes the run out of
-- the waiting-runs index with it (systems/waiting-index.ts).
local function endWait(runKey)
  local wait = rcall("HGET", runKey, "wait")
  if not wait then
    return nil
  end
  local events = rcall("HGET", runKey, "events") or ""
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
  -- A parked event without its detail (lua/includes/pushEvent.lua: "P<at>[:<attempt>]").
  if string.sub(last, 1, 1) == "P" and not string.find(last, " ", 1, true) then
    rcall("HSET", runKey, "events", string.sub(events, 1, -2) .. " " .. wait .. "\n")
  end
  rcall("HDEL", runKey, "wait")
  return string.match(wait, '"since":(%d+)')
end
