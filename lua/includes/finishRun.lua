-- @include "keyNames"
-- @include "pushEvent"
-- @include "activeTime"
-- @include "endWait"
-- @include "sessionRuns"
-- Moves a run to a terminal status: stamps times, adds the active time of a running
-- execution, drops it from the session's active set and records the event.
-- `field`/`value` (optional) store the output or error; `detail` goes on the event.
-- Returns when the wait it ended began (endWait), or nil.
local function finishRun(runKey, sessionKey, runId, status, now, field, value, detail)
  local run = rcall("HMGET", runKey, "attempt", "status")
  local fields = {"status", status, "finishedAt", now, "updatedAt", now, "job", "", "runAt", "0"}
  if run[2] == "running" then
    table.insert(fields, "activeMs")
    table.insert(fields, stopActiveClock(runKey, now))
  end
  if field then
    table.insert(fields, field)
    table.insert(fields, value)
  end
  rcall("HSET", runKey, unpack(fields))
  local since = endWait(runKey)
  rcall("HDEL", runKey, "cancel")
  -- The session lists its runs as fields: PART.activeRun while active, PART.finishedRun once finished.
  rcall("HDEL", sessionKey, PART.activeRun .. ownOfRun(runId))
  rcall("HSET", sessionKey, PART.finishedRun .. ownOfRun(runId), "1")
  pushEvent(runKey, status, now, run[1], detail)
  return since
end
