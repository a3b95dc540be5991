--[[
  Closes a session: no new runs or input from now on; runs still queued or parked in it
  are cancelled, running ones at their next durable operation.
  The run keys are built from `tagPrefix`: they share the session's hash tag, so this
  script still touches a single slot.
  @key session    session hash (its runs are fields a:<own part of the run id>)
  @arg now        (ms)
  @arg tagPrefix  key prefix of the session's tag ("helmr:{TAG}:")
  @reply {"closed", cancelledCount:integer, ended:list}
    ended: {runId, waitedSince, wakeJob, warmWorker, version, ...}, the parked runs it
    cancelled, for the caller to take out of the waiting index and to remove their wake-up
    jobs, "" for none, from the queue of that worker or their version's shared one
  @reply {"already"}
  @error SessionNotFound
  @marks retention
]]
local sessionKey = KEYS[1]
local now, tagPrefix = ARGV[1], ARGV[2]
local rcall = redis.call

-- @include "keyNames"
-- @include "cancelIdleRun"

local status = rcall("HGET", sessionKey, "status")
if not status then
  return -4
end
if status == "closed" then
  return {"already"}
end
rcall("HSET", sessionKey, "status", "closed", "closedAt", now, "updatedAt", now)
local cancelled = 0
local ended = {}
for _, field in ipairs(rcall("HKEYS", sessionKey)) do
  if string.sub(field, 1, #PART.activeRun) == PART.activeRun then
    local own = string.sub(field, #PART.activeRun + 1)
    local runId = runIdIn(sessionKey, own)
    local runKey = tagPrefix .. KEY.run .. own
    local outcome, since, wakeJob, warm, version = cancelIdleRun(runKey, sessionKey, runId, now, "session closed", tagPrefix)
    if outcome ~= "finished" then
      cancelled = cancelled + 1
    end
    if since then
      table.insert(ended, runId)
      table.insert(ended, since)
      table.insert(ended, wakeJob)
      table.insert(ended, warm)
      table.insert(ended, version)
    end
  end
end
return {"closed", cancelled, ended}
