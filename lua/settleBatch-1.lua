--[[
  Records how one child of a batch ended (batchTriggerAndWait), and resumes the parent
  once every child has ended and the parent waits on the batch. Idempotent: a child's end
  counts once (its notice may be told again), and a batch already resolved (its fields
  gone) takes nothing; nor does a parent that ended otherwise (its fields go then). The ends are fields of the parent's run hash ("b<pos>:<index>",
  writeJournal-2.lua), so they go with it; resolving the batch deletes them.
  @key run        the parent's run hash
  @arg position   the batch's journal position
  @arg index      the child's index in the batch ("" to only check whether the batch is complete: the parent has just parked)
  @arg result     the child's wait result JSON
  @arg now        (ms)
  @arg runId      the parent's run id
  @reply {jobId, taskId, waitedSince, claim:list, warmWorker, supersededJob}   this resumed the parent (as resolveWait-1.lua)
  @reply {}
  @marks unit
]]
local runKey = KEYS[1]
local position, index, result, now, runId = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local rcall = redis.call

-- @include "resumeRun"
-- @include "waitOutcomes"

local batchFields = "b" .. position .. ":"
local counts = rcall("HMGET", runKey, batchFields .. "n", batchFields .. "d", "status")
if not counts[1] then
  return {}
end
local total, ended, status = tonumber(counts[1]), tonumber(counts[2]), counts[3]
local fields = {}
for i = 0, total - 1 do
  fields[#fields + 1] = batchFields .. i
end
fields[#fields + 1] = batchFields .. "n"
fields[#fields + 1] = batchFields .. "d"
-- A parent that ended otherwise (it failed, or was cancelled while running) waits for
-- nothing: the count goes, so its children's later ends leave nothing behind.
if status == "completed" or status == "failed" or status == "cancelled" or status == "continued" or status == "expired" then
  rcall("HDEL", runKey, unpack(fields))
  return {}
end
if index ~= "" and rcall("HSETNX", runKey, batchFields .. index, result) == 1 then
  ended = rcall("HINCRBY", runKey, batchFields .. "d", 1)
end
if ended < total then
  return {}
end
local run = rcall("HMGET", runKey, "wait", "task")
if status ~= "waiting" or not run[1] then
  return {}
end
local wait = cjson.decode(run[1])
if wait.kind ~= "batch" or tostring(wait.pos) ~= position then
  return {}
end
local ends = rcall("HMGET", runKey, unpack(fields, 1, total))
local outcome = okOutcome("[" .. table.concat(ends, ",") .. "]")
rcall("HDEL", runKey, unpack(fields))
local job, since, claim, warm, superseded = resumeRun(runKey, runId, wait, run[1], outcome, outcome, now)
return {job, run[2], since or "", claim, warm, superseded}
