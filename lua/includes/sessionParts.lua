-- @include "keyNames"
-- The session hash, read whole (HGETALL), or nil when there is no such session.
local function readSession(sessionKey)
  local session = rcall("HGETALL", sessionKey)
  return #session > 0 and session or nil
end

-- Calls visit(part, name) for each field of a session hash (readSession) that names another
-- key of the session, `part` its prefix: PART.activeRun and PART.finishedRun a run by its own
-- id part, KEY.inputStream and KEY.outputStream a stream by its name, KEY.publicToken a public
-- access token and PART.runToken a token of its runs, each by its own id part
-- (dumpSession-1.lua, eraseSession-1.lua, sweepSession-1.lua).
local function forEachPart(session, visit)
  for i = 1, #session, 2 do
    local part, name = string.match(session[i], "^(%a+:)(.*)$")
    if part then
      visit(part, name)
    end
  end
end
