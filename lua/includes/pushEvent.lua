-- @include "history"
-- Appends one run event to the run's event log (history.lua), written compactly since
-- every run keeps them: a letter for the type, the time as "+<ms since the run was
-- created>", ":<attempt>" unless it is 1, and " <detail JSON>" when there is one. A wait's
-- events ("parked", "resumed") carry only the wait's journal position: the journal holds
-- the rest, and records.ts (waitEventDetail) expands it for the API.
local EVENT_LETTERS = {
  triggered = "T", started = "S", parked = "P", resumed = "R",
  retried = "Y", completed = "C", failed = "F", cancelled = "X", continued = "N",
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
  appendLine(runKey, "e", eventLine(eventType, now, rcall("HGET", runKey, "createdAt"), attempt, detail))
end
