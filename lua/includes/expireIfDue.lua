-- @include "finishRun"
-- A run triggered with a ttl that has not started by its `expireAt` expires: it ends
-- `expired` with a RunExpiredError and never runs. Returns true when it did now.
local function expireIfDue(runKey, sessionKey, runId, now)
  local run = rcall("HMGET", runKey, "status", "startedAt", "expireAt")
  if run[1] ~= "queued" or run[2] or not run[3] or tonumber(run[3]) > tonumber(now) then
    return false
  end
  local err = cjson.encode({name = "RunExpiredError", message = "the run did not start within its ttl, and never will"})
  finishRun(runKey, sessionKey, runId, "expired", now, "error", err, nil)
  return true
end
