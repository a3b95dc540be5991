-- @include "keyNames"
-- @include "pushEvent"
-- @include "sessionRuns"
-- Writes a new queued run of a session: its run hash, its entry in the session's runs, and
-- its "triggered" event (`detail`, nil for none). `version`: the version of the task code
-- it runs on ("" for none yet: the first worker to start it stamps its own). `extra`: more
-- fields of the run hash (a flat list), such as the idempotency key or the run it continues.
local function newRun(runKey, sessionKey, runId, taskId, version, payload, now, jobId, extra, detail)
  if version ~= "" then
    rcall("HSET", runKey, "ver", version)
  end
  rcall("HSET", runKey, "task", taskId, "status", "queued",
    "attempt", "1", "fence", "0", "job", jobId, "dseq", "1", "runAt", "0", "payload", payload,
    "createdAt", now, "updatedAt", now, "activeMs", "0", unpack(extra))
  rcall("HSET", sessionKey, PART.activeRun .. ownOfRun(runId), "1", "updatedAt", now)
  pushEvent(runKey, "triggered", now, 1, detail)
end
