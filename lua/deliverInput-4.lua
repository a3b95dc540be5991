--[[
  Delivers one input to a session stream (ARCHITECTURE.md invariants 1 and 2): appends it to the
  stream's history, then either resolves the oldest wait parked on the same
  (stream, correlationId), queueing that run to resume, or buffers the input for the next
  wait. Atomic: an input is consumed by at most one wait, and never dropped.
  A send with a public access token spends one of its uses in the same step, so concurrent
  sends never exceed maxUses (ARCHITECTURE.md invariant 5).
  Run keys are built from `tagPrefix`; they share the session's hash tag.
  @key session    session hash
  @key stream     input stream (history)
  @key consumed   consumed-by hash of the stream
  @key publicToken  the public access token's hash (the session hash again when there is none)
  @arg data       data JSON
  @arg corr       correlationId ("" for none)
  @arg now        (ms)
  @arg tagPrefix  the session's tag prefix
  @arg streamName
  @arg withPublicToken  "1" when sent with a public access token
  @reply {"resumed", entryId, runId, jobId, taskId, waitedSince, claim:list, warmWorker, supersededJob}
    waitedSince: when the wait began, to take the run out of the waiting index;
    claim: what the resumed run's job carries so its worker starts at once; claimStart;
    warmWorker: the worker holding the run warm, whose queue the job goes to, "" for none;
    supersededJob: the wait's wake-up job, now not needed, "" for none
  @reply {"buffered", entryId}
  @error SessionNotFound SessionClosed PublicTokenInvalid PublicTokenExhausted
  @marks unit
]]
local sessionKey, streamKey, consumedKey, publicTokenKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local data, corr, now, tagPrefix, stream = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local rcall = redis.call

-- @include "keyNames"
-- @include "waitKeys"
-- @include "recordConsumption"
-- @include "resumeRun"
-- @include "firstWait"
-- @include "waitOutcomes"
-- @include "sessionRefusal"

local refused = sessionRefusal(sessionKey)
if refused then
  return refused
end
if ARGV[6] == "1" then
  local pat = rcall("HMGET", publicTokenKey, "expiresAt", "maxUses", "uses")
  if not pat[3] or (pat[1] and tonumber(now) >= tonumber(pat[1])) then
    return -11
  end
  if pat[2] and tonumber(pat[3]) >= tonumber(pat[2]) then
    return -12
  end
  rcall("HINCRBY", publicTokenKey, "uses", 1)
end

local entryId = rcall("XADD", streamKey, "*", "d", data, "c", corr, "at", now)
-- The session counts its streams' entries, so a session can list its streams (in:<name>).
-- The session hash counts each stream's entries in a field named like the stream's key.
rcall("HINCRBY", sessionKey, KEY.inputStream .. stream, 1)
while true do
  local runId = takeOldestWait(sessionKey, stream, corr)
  if not runId then
    break
  end
  local own = string.sub(runId, 5, 20)
  local runKey = tagPrefix .. KEY.run .. own
  local run = rcall("HMGET", runKey, "status", "wait", "task")
  -- Entries of waits that ended otherwise (timeout, cancel) are skipped and dropped here.
  if run[1] == "waiting" and run[2] then
    local wait = cjson.decode(run[2])
    if wait.kind == "input" and wait.stream == stream and wait.corr == corr then
      recordConsumption(consumedKey, entryId, runId, wait.pos, now)
      local live = okOutcome(data, entryId)
      local job, since, claim, warm, superseded = resumeRun(runKey, runId, wait, run[2], inputResult(data, entryId), live, now)
      return {"resumed", entryId, runId, job, run[3], since or "", claim, warm, superseded}
    end
    -- The first of several (waits.first): this input's branch wins, and the others let go.
    local branch = wait.kind == "first" and firstBranch(wait, "input", function(b) return b.stream == stream and b.corr == corr end)
    if branch then
      recordConsumption(consumedKey, entryId, runId, wait.pos, now)
      dropFirstInputs(sessionKey, wait, runId, branch)
      local won = wonBy(branch.key, okOutcome(data))
      local job, since, claim, warm, superseded = resumeRun(runKey, runId, wait, run[2], won, won, now)
      return {"resumed", entryId, runId, job, run[3], since or "", claim, warm, superseded}
    end
  end
end
rcall("ZADD", bufferKey(tagPrefix, stream, corr), nextSeq(tagPrefix), entryId)
return {"buffered", entryId}
