--[[
  Moves the first start of a run that has not started yet to `runAt`, with a payload: a
  delayed trigger's, or a debounced one's last trigger. Its job becomes a new one
  (`<run id>-1.d<n>`, still its first start), and the job it expected before finds itself
  stale if it comes.
  @key run        run hash
  @arg runId
  @arg payload    payload JSON
  @arg runAt      (ms)
  @arg now        (ms)
  @reply {"moved", jobId, supersededJob, version, flow}   version and flow as the run stores them ("" for none)
  @reply {"started"}   the run started (or ended) already (a debounce then makes a new run)
  @reply {"missing"}   no such run (yet: the trigger that claimed the key may be creating it)
  @marks unit
]]
local runKey = KEYS[1]
local runId, payload, runAt, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local rcall = redis.call

local run = rcall("HMGET", runKey, "status", "startedAt", "job", "dseq", "ver", "flow")
if not run[1] then
  return {"missing"}
end
if run[1] ~= "queued" or run[2] or run[4] ~= "1" then
  return {"started"}
end
local jobId = runId .. "-1.d" .. rcall("HINCRBY", runKey, "delays", 1)
rcall("HSET", runKey, "job", jobId, "runAt", runAt, "payload", payload, "updatedAt", now)
return {"moved", jobId, run[3], run[5] or "", run[6] or ""}
