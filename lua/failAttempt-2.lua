--[[
  Ends the current attempt of a run with an error: queues the next attempt when the
  error is retryable and attempts are left, otherwise fails the run.
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg fence
  @arg err        error JSON
  @arg retryable  "1" when retryable
  @arg maxAttempts
  @arg retryDelay (ms)
  @arg now        (ms)
  @arg runId
  @reply {"retry", jobId, runAt}
  @reply {"failed"}
  @error StaleExecution Cancelled
  @marks retention
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local fence, err, now, runId = ARGV[1], ARGV[2], ARGV[6], ARGV[7]
local rcall = redis.call

-- @include "guardExecution"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
local counts = rcall("HMGET", runKey, "attempt", "aBase")
local attempt = tonumber(counts[1])
-- Attempts are counted from the last retry an operator asked for (retryRun), if any.
if ARGV[3] == "1" and attempt - tonumber(counts[2] or "0") < tonumber(ARGV[4]) then
  local runAt = tostring(tonumber(now) + tonumber(ARGV[5]))
  local job = runId .. "-" .. rcall("HINCRBY", runKey, "dseq", 1)
  rcall("HSET", runKey, "status", "queued", "attempt", attempt + 1, "job", job, "runAt", runAt,
    "activeMs", stopActiveClock(runKey, now), "error", err, "updatedAt", now)
  pushEvent(runKey, "retried", now, attempt + 1, '{"error":' .. err .. ',"delayMs":' .. ARGV[5] .. '}')
  return {"retry", job, runAt}
end
finishRun(runKey, sessionKey, runId, "failed", now, "error", err, '{"error":' .. err .. '}')
return {"failed"}
