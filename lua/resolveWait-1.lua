--[[
  Resolves a run's wait on a token or on a child run with its outcome, if the run still
  waits on it; queues the run to resume. Idempotent: the settling side and the waiting run
  may both call it (their scripts may live under different hash tags).
  KEYS[1] run hash (its journal and events are fields of it)
  ARGV[1] what the wait is on: the token id, or for a child run the wait's position (the
    child's `parent` field names it, and it stays right when the child continued as new)
  ARGV[2] the wait's result JSON ({"ok":true,"output":…} or {"ok":false,"error":…})
  ARGV[3] now (ms)   ARGV[4] run id   ARGV[5] the wait's kind: "token" or "run"
  Returns {jobId, taskId, waitedSince, claim, warmWorker} | {} when the run no longer waits on it
    (waitedSince: when the wait began, to take the run out of the waiting index;
    claim: what the run's job carries so its worker starts at once; claimStart;
    warmWorker: the worker holding the run warm, whose queue the job goes to, "" for none)
]]
local runKey = KEYS[1]
local target, result, now, runId, kind = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local rcall = redis.call

-- @include "resumeRun"

local run = rcall("HMGET", runKey, "status", "wait", "task")
if run[1] ~= "waiting" or not run[2] then
  return {}
end
local wait = cjson.decode(run[2])
if wait.kind ~= kind then
  return {}
end
if (kind == "token" and wait.token ~= target) or (kind == "run" and tostring(wait.pos) ~= target) then
  return {}
end
local job, since, claim, warm = resumeRun(runKey, runId, wait, run[2], result, result, now)
return {job, run[3], since or "", claim, warm}
