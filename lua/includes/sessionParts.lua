-- The session hash, read whole (HGETALL), or nil when there is no such session.
local function readSession(sessionKey)
  local session = rcall("HGETALL", sessionKey)
  return #session > 0 and session or nil
end

-- Calls visit(kind, name) for each field of a session hash (readSession) that names another
-- key of the session: "a" and "f" a run (active, finished) by its own id part, "in" and
-- "out" a stream by its name, "pat" a public access token and "tok" a token of its runs,
-- each by its own id part (dumpSession-1.lua, eraseSession-1.lua).
local function forEachPart(session, visit)
  for i = 1, #session, 2 do
    local kind, name = string.match(session[i], "^(%a+):(.*)$")
    if kind then
      visit(kind, name)
    end
  end
end
