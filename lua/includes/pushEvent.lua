-- Appends one run event. `detail` is a JSON text or nil. Events are compact JSON
-- ({t, at, a, d}), one per line of a string (far smaller than a list on Redis 7.0);
-- the TypeScript side expands them for the API.
local function pushEvent(eventsKey, eventType, now, attempt, detail)
  local event = '{"t":"' .. eventType .. '","at":' .. now .. ',"a":' .. (attempt or 1)
  if detail and detail ~= "" then
    event = event .. ',"d":' .. detail
  end
  -- GET and SET rather than APPEND: APPEND leaves room to grow, doubling the memory of short strings.
  rcall("SET", eventsKey, (rcall("GET", eventsKey) or "") .. event .. "}\n")
end
