--[[
  Creates a queued run in a session (and the session itself when asked to).
  KEYS[1] session hash (its runs are fields a:<own part of the run id>)
  KEYS[2] run hash (its events are a field of it)
  ARGV[1] run id   ARGV[2] task id   ARGV[3] payload JSON   ARGV[4] now (ms)
  ARGV[5] job id   ARGV[6] idempotency key ("" for none)   ARGV[7] session id
  ARGV[8] "1" to create the session when missing
  ARGV[9] the parent's "<run id>|<position>" when a run's code triggered it ("" for none)
  Returns {"created", claim} | {"exists", status} (the same run id was created before)
    (claim: what the run's first job carries so its worker starts at once; claimStart)
  Errors: -4 session not found, -5 session closed
]]
local sessionKey, runKey = KEYS[1], KEYS[2]
local runId, now = ARGV[1], ARGV[4]
local rcall = redis.call

-- @include "newRun"
-- @include "claimStart"

local existing = rcall("HGET", runKey, "status")
if existing then
  return {"exists", existing}
end

local sessionStatus = rcall("HGET", sessionKey, "status")
if not sessionStatus then
  if ARGV[8] ~= "1" then
    return -4
  end
  rcall("HSET", sessionKey, "status", "open", "createdAt", now, "updatedAt", now)
elseif sessionStatus ~= "open" then
  return -5
end

newRun(runKey, sessionKey, runId, ARGV[2], ARGV[3], now, ARGV[5], ARGV[6] ~= "" and {"idem", ARGV[6]} or {}, nil)
if ARGV[9] and ARGV[9] ~= "" then
  rcall("HSET", runKey, "parent", ARGV[9])
end
return {"created", claimStart(runKey)}
