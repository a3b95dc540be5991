--[[
  Ends the current attempt of a run with an error: queues the next attempt when the
  error is retryable and attempts are left, otherwise fails the run.
  KEYS[1] run hash (its journal and events are fields of it)   KEYS[2] session hash (its runs are fields of it)
  ARGV[1] fence   ARGV[2] error JSON   ARGV[3] "1" when retryable   ARGV[4] max attempts
  ARGV[5] retry delay (ms)   ARGV[6] now (ms)   ARGV[7] run id
  Returns {"retry", jobId, runAt} | {"failed"}
  Errors: -2 stale execution, -3 cancelled
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local fence, err, now, runId = ARGV[1], ARGV[2], ARGV[6], ARGV[7]
local rcall = redis.call

-- @include "guardExecution"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
local attempt = tonumber(rcall("HGET", runKey, "attempt"))
if ARGV[3] == "1" and attempt < tonumber(ARGV[4]) then
  local runAt = tostring(tonumber(now) + tonumber(ARGV[5]))
  local job = runId .. "-" .. rcall("HINCRBY", runKey, "dseq", 1)
  rcall("HSET", runKey, "status", "queued", "attempt", attempt + 1, "job", job, "runAt", runAt,
    "activeMs", stopActiveClock(runKey, now), "error", err, "updatedAt", now)
  pushEvent(runKey, "retried", now, attempt + 1, '{"error":' .. err .. ',"delayMs":' .. ARGV[5] .. '}')
  return {"retry", job, runAt}
end
finishRun(runKey, sessionKey, runId, "failed", now, "error", err, '{"error":' .. err .. '}')
return {"failed"}
