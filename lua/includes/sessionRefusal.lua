-- Why a session takes no new runs or input: -4 when there is no such session, -5 when it is
-- closed; nil when it is open.
local function sessionRefusal(sessionKey)
  local status = rcall("HGET", sessionKey, "status")
  if not status then
    return -4
  end
  if status ~= "open" then
    return -5
  end
  return nil
end
