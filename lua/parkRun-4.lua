--[[
  Parks a run on a wait: journals the wait at its position, gives the run back (status
  waiting, active time stops) and names the job that will wake it.
  KEYS[1] run hash   KEYS[2] journal hash   KEYS[3] run events   KEYS[4] session active runs
  ARGV[1] fence   ARGV[2] position   ARGV[3] entry JSON   ARGV[4] wait JSON {kind, pos, dueAt?}
  ARGV[5] wake-up time in ms ("" when only an outside event resolves the wait)
  ARGV[6] now (ms)   ARGV[7] run id
  Returns {wakeJobId} ("" when no job is needed)
  Errors: -2 stale execution, -3 cancelled
]]
local runKey, journalKey, eventsKey, activeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local fence, position, wakeAt, now, runId = ARGV[1], ARGV[2], ARGV[5], ARGV[6], ARGV[7]
local rcall = redis.call

-- @include "guardExecution"

local guard = guardExecution(runKey, eventsKey, activeKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
-- The entry may already be there when an earlier execution parked at this position
-- and the run came back without the wait resolving; the entry keeps its first form.
rcall("HSETNX", journalKey, position, ARGV[3])

local run = rcall("HMGET", runKey, "attempt", "execAt", "activeMs")
local active = tonumber(run[3] or "0") + (tonumber(now) - tonumber(run[2] or now))
local job = ""
if wakeAt ~= "" then
  job = runId .. "-" .. rcall("HINCRBY", runKey, "dseq", 1)
end
rcall("HSET", runKey, "status", "waiting", "wait", ARGV[4], "job", job, "runAt", wakeAt ~= "" and wakeAt or "0",
  "activeMs", tostring(active), "updatedAt", now)
pushEvent(eventsKey, "parked", now, run[1], ARGV[4])
return {job}
