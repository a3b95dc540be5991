-- Appends one run event. `detail` is a JSON text or nil. Events are compact JSON
-- ({t, at, a, d}), one per line of the run hash's `events` field: a run's few events cost
-- far less there than in a key of their own (keys.ts: the events key is the run hash).
-- The TypeScript side expands them for the API.
local function pushEvent(eventsKey, eventType, now, attempt, detail)
  local event = '{"t":"' .. eventType .. '","at":' .. now .. ',"a":' .. (attempt or 1)
  if detail and detail ~= "" then
    event = event .. ',"d":' .. detail
  end
  rcall("HSET", eventsKey, "events", (rcall("HGET", eventsKey, "events") or "") .. event .. "}\n")
end
