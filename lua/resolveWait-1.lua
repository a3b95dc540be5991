--[[
  Resolves a run's wait on a token or on a child run with its outcome, if the run still
  waits on it; queues the run to resume. Idempotent: the settling side and the waiting run
  may both call it (their scripts may live under different hash tags).
  A wait on the first of several (waits.first) is resolved by its branch on the token or
  the child, which wins it (lua/includes/firstWait.lua).
  @key run        run hash (its journal and events are fields of it)
  @arg target     what the wait is on: the token id, or for a child run the wait's position
    (the child's `parent` field names it, and it stays right when the child continued as new)
  @arg result     the wait's result JSON ({"ok":true,"output":…} or {"ok":false,"error":…})
  @arg now        (ms)
  @arg runId
  @arg kind       the wait's kind: "token" or "run"
  @arg childRunId for a child run, its id (a branch of waits.first names it)
  @arg tagPrefix  the run's tag prefix
  @reply {jobId, taskId, waitedSince, claim:list, warmWorker, supersededJob}
    waitedSince: when the wait began, to take the run out of the waiting index;
    claim: what the run's job carries so its worker starts at once; claimStart;
    warmWorker: the worker holding the run warm, whose queue the job goes to, "" for none;
    supersededJob: the wait's wake-up job, now not needed, "" for none
  @reply {}   the run no longer waits on it
  @marks unit
]]
local runKey = KEYS[1]
local target, result, now, runId, kind, childRunId, tagPrefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local rcall = redis.call

-- @include "resumeRun"
-- @include "firstWait"

local run = rcall("HMGET", runKey, "status", "wait", "task")
if run[1] ~= "waiting" or not run[2] then
  return {}
end
local wait = cjson.decode(run[2])
if wait.kind == "first" then
  local branch = firstBranch(wait, kind, function(b)
    return (kind == "token" and b.token == target) or (kind == "run" and b.run == childRunId and tostring(wait.pos) == target)
  end)
  if not branch then
    return {}
  end
  dropFirstInputs(tagPrefix .. KEY.session, wait, runId, nil)
  local won = wonBy(branch.key, result)
  local job, since, claim, warm, superseded = resumeRun(runKey, runId, wait, run[2], won, won, now)
  return {job, run[3], since or "", claim, warm, superseded}
end
if wait.kind ~= kind then
  return {}
end
if (kind == "token" and wait.token ~= target) or (kind == "run" and tostring(wait.pos) ~= target) then
  return {}
end
local job, since, claim, warm, superseded = resumeRun(runKey, runId, wait, run[2], result, result, now)
return {job, run[3], since or "", claim, warm, superseded}
