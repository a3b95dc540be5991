--[[
  Deletes a finished run past its retention (systems/retention.ts): its hash (journal and
  events are fields of it) and its entry in the session's runs. A run that is not finished,
  or finished after the cutoff, is left alone: retention never deletes a queued, running or
  parked run, however old.
  KEYS[1] run hash   KEYS[2] session hash
  ARGV[1] run id   ARGV[2] cutoff (ms): runs finished at or before it go
  Returns {task, idem} of the deleted run, or {} when it stays
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local rcall = redis.call

-- @include "sessionRuns"

local run = rcall("HMGET", runKey, "status", "finishedAt", "task", "idem")
local status = run[1]
local finished = status == "completed" or status == "failed" or status == "cancelled" or status == "continued"
if not finished or not run[2] or tonumber(run[2]) > tonumber(ARGV[2]) then
  return {}
end
rcall("DEL", runKey)
rcall("HDEL", sessionKey, "f:" .. ownOfRun(ARGV[1]))
return {run[3] or "", run[4] or ""}
