-- @include "history"
-- Appends one run event to the run's event log (history.lua), written compactly since
-- every run keeps them: a letter for the type, the time as "+<ms since the previous event>"
-- (since the run was created, for the first; `eventAt` holds the last event's time),
-- ":<attempt>" unless it is 1, and " <detail JSON>" when there is one. A parked event
-- carries only the wait's journal position and a resumed one nothing (it resumes the
-- wait of the parked event before it): the journal holds the rest, and records.ts
-- (waitEventDetail) expands it for the API.
local EVENT_LETTERS = {
  triggered = "T", started = "S", parked = "P", resumed = "R",
  retried = "Y", completed = "C", failed = "F", cancelled = "X", continued = "N", expired = "E",
}
-- One event line, newline included.
local function eventLine(eventType, now, previousAt, attempt, detail)
  local event = EVENT_LETTERS[eventType] .. "+" .. (tonumber(now) - tonumber(previousAt or now))
  if attempt and tostring(attempt) ~= "1" then
    event = event .. ":" .. attempt
  end
  if detail and detail ~= "" then
    event = event .. " " .. detail
  end
  return event .. "\n"
end
-- Adds to `fields` (a flat list for HSET) what recording the event writes, given the run's
-- `eventAt`, `createdAt`, `e` and `en` (nil where unset), as a script that reads them at once has them.
local function eventFields(fields, eventType, now, attempt, detail, eventAt, createdAt, current, full)
  appendFields(fields, "e", current, full, eventLine(eventType, now, eventAt or createdAt, attempt, detail))
  fields[#fields + 1], fields[#fields + 2] = "eventAt", now
end

local function pushEvent(runKey, eventType, now, attempt, detail)
  local at = rcall("HMGET", runKey, "eventAt", "createdAt", "e", "en")
  local fields = {}
  eventFields(fields, eventType, now, attempt, detail, at[1] or nil, at[2] or nil, at[3] or nil, at[4] or nil)
  rcall("HSET", runKey, unpack(fields))
end
