-- Appends one run event. Events are lines of the run hash's `events` field (a run's few
-- events cost far less there than in a key of their own), written compactly since every
-- run keeps them: a letter for the type, the time as "+<ms since the run was created>",
-- ":<attempt>" unless it is 1, and " <detail JSON>" when there is one. records.ts
-- (toRunEvent) expands them for the API.
local EVENT_LETTERS = {
  triggered = "T", started = "S", parked = "P", resumed = "R",
  retried = "Y", completed = "C", failed = "F", cancelled = "X",
}
-- One event line, newline included.
local function eventLine(eventType, now, createdAt, attempt, detail)
  local event = EVENT_LETTERS[eventType] .. "+" .. (tonumber(now) - tonumber(createdAt or now))
  if attempt and tostring(attempt) ~= "1" then
    event = event .. ":" .. attempt
  end
  if detail and detail ~= "" then
    event = event .. " " .. detail
  end
  return event .. "\n"
end
local function pushEvent(runKey, eventType, now, attempt, detail)
  local run = rcall("HMGET", runKey, "createdAt", "events")
  rcall("HSET", runKey, "events", (run[2] or "") .. eventLine(eventType, now, run[1], attempt, detail))
end
