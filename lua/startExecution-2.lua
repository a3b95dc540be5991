--[[
  Starts an execution of a run for a job of the runs queue. Only the job the run
  expects (run.job) may start it; any other job is stale and learns what the run
  expects instead, so the worker can re-ensure that job (this closes the gap when a
  worker died between a park/retry and adding the next job).
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg jobId
  @arg now        (ms)
  @arg maxAttempts
  @arg runId
  @arg claimed    "1" when the job carried a claim (claimStart)
  @arg heldFence  the fence the run parked with, when the calling worker holds it warm ("" for none)
  @arg version    the version of the task code the calling worker runs ("" for none): a run
    of another version is not started (a run with none yet takes this one)
  @reply {"run", fence:integer, attempt:integer, activeMs, carried, payload, chunks:list, waitedSince, resumedPosition:integer|string, resumedResult, parent, schedule}
    carried: "1" when payload and journal follow; not when the caller holds the run warm
    at the fence it parked with, which it then continues in memory. waitedSince: when the
    wait this start ended began, to take the run out of the waiting index, "" for none;
    the resumed wait's position and result, "" for none; parent: the run's parent, "" for none;
    schedule: the schedule fire that started it (JSON, ctx.schedule), "" for none
  @reply {"stale", status, expectedJob, runAt, version}   version: the run's, whose queue its expected job goes to
  @reply {"otherVersion", version}   the run runs on another version, whose workers alone may execute it
  @reply {"finished", status, endedNow}   ended already ("0"), or now ("1": expired, a ttl passed
    before it started; cancelled, a cancel was requested of the execution that died)
  @reply {"failed"}   the job was redelivered after its worker died, and no attempt is left
  @error RunNotFound
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local jobId, now, maxAttempts, runId = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local rcall = redis.call

-- @include "finishRun"
-- @include "waitKeys"
-- @include "beginExecution"
-- @include "endWait"
-- @include "history"
-- @include "firstWait"
-- @include "waitOutcomes"
-- @include "expireIfDue"

local run = rcall("HMGET", runKey, "status", "job", "attempt", "wait", "runAt", "cancel", "execAttempt", "claim", "fence", "ver", "aBase")
local status, expectedJob, attempt = run[1], run[2], tonumber(run[3] or "1")
if not status then
  return -1
end
if status == "completed" or status == "failed" or status == "cancelled" or status == "continued" or status == "expired" then
  return {"finished", status, "0"}
end
local version = run[10] or ""
if expectedJob ~= jobId then
  return {"stale", status, expectedJob or "", run[5] or "0", version}
end
if version ~= "" and version ~= ARGV[7] then
  return {"otherVersion", version}
end

-- A run with a ttl that did not start in time never runs.
if expireIfDue(runKey, sessionKey, runId, now) then
  return {"finished", "expired", "1"}
end

local since, resumedPos, resumedResult = nil, "", ""
if status == "waiting" then
  -- This job is the wait's wake-up: a timer is due, or a wait's timeout fired first.
  local wait = cjson.decode(run[4])
  since = endWait(runKey)
  resumedPos = wait.pos
  if wait.kind == "timer" then
    resumedResult = OUTCOME_RESOLVED
  elseif wait.kind == "first" then
    -- The first of several: the branch whose deadline this is wins (a timer, or a token's timeout).
    local branch = dueBranch(wait)
    resumedResult = wonBy(branch.key, branch.kind == "timer" and OUTCOME_RESOLVED or failedOutcome(WAIT_ERROR.timedOut, "the token timed out"))
    dropFirstInputs(sessionKey, wait, ARGV[4], nil)
  else
    resumedResult = failedOutcome(WAIT_ERROR.timedOut, "the wait timed out")
    if wait.kind == "input" then
      dropWait(sessionKey, wait.stream, wait.corr, ARGV[4])
    end
  end
  journal(runKey, "r" .. wait.pos, resumedResult)
  pushEvent(runKey, "resumed", now, attempt, nil)
elseif status == "running" or (status == "queued" and run[8] and ARGV[5] == "1") then
  -- The same job again: its worker died mid-execution (BullMQ found the job stalled), or
  -- died after starting from the job's claim and before its first write.
  if run[6] == "1" then
    finishRun(runKey, sessionKey, runId, "cancelled", now, nil, nil, '{"reason":"cancel requested"}')
    return {"finished", "cancelled", "1"}
  end
  if attempt - tonumber(run[11] or "0") >= maxAttempts then
    local err = '{"name":"WorkerLostError","message":"the worker executing the run stopped responding and no attempts are left"}'
    finishRun(runKey, sessionKey, runId, "failed", now, "error", err, err)
    return {"failed"}
  end
  attempt = attempt + 1
  rcall("HSET", runKey, "attempt", attempt)
  pushEvent(runKey, "retried", now, attempt, '{"reason":"worker lost"}')
end

local heldWarm = ARGV[6] ~= "" and ARGV[6] == run[9]
if version == "" and ARGV[7] ~= "" then
  -- A run triggered before any worker had a version runs on the first to start it.
  rcall("HSET", runKey, "ver", ARGV[7])
end
local fence = rcall("HINCRBY", runKey, "fence", 1)
rcall("HDEL", runKey, "claim")
beginExecution(runKey, attempt, run[7], now)
local info = rcall("HMGET", runKey, "payload", "activeMs", "parent", "sched")
if heldWarm then
  return {"run", fence, attempt, info[2] or "0", "0", "", {}, since or "", resumedPos, resumedResult, info[3] or "", info[4] or ""}
end
return {"run", fence, attempt, info[2] or "0", "1", info[1], readLog(runKey, "j"), since or "", resumedPos, resumedResult, info[3] or "", info[4] or ""}
