--[[
  Resolves a run's wait on a token with the token's outcome (its data, or its failure), if the run still
  waits on that token; queues the run to resume. Idempotent: the completion and the
  waiting run may both call it (their scripts live under different hash tags).
  KEYS[1] run hash (its journal and events are fields of it)
  ARGV[1] token id   ARGV[2] the wait's result JSON ({"ok":true,"output":…} or {"ok":false,"error":…})
  ARGV[3] now (ms)   ARGV[4] run id
  Returns {jobId, taskId, waitedSince, claim, warmWorker} | {} when the run no longer waits on the token
    (waitedSince: when the wait began, to take the run out of the waiting index;
    claim: what the run's job carries so its worker starts at once; claimStart;
    warmWorker: the worker holding the run warm, whose queue the job goes to, "" for none)
]]
local runKey = KEYS[1]
local tokenId, result, now, runId = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local rcall = redis.call

-- @include "resumeRun"

local run = rcall("HMGET", runKey, "status", "wait", "task")
if run[1] ~= "waiting" or not run[2] then
  return {}
end
local wait = cjson.decode(run[2])
if wait.kind ~= "token" or wait.token ~= tokenId then
  return {}
end
local job, since, claim, warm = resumeRun(runKey, runId, wait, run[2], result, result, now)
return {job, run[3], since or "", claim, warm}
