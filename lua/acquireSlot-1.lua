--[[
  Takes a slot of a scope (a task's limits) for the job a worker is about to run, or puts
  the run in line for one (libs/broker/src/systems/flow.ts). A run already holding a slot
  keeps it (its resume, say, came before its park let go); a run already in line keeps its
  place. Free slots go to the runs first in line, this one only when its turn has come:
  the others' jobs are for the caller to dispatch.
  @key runs       the slots' records (run id to JSON, includes/slots.lua)
  @arg base       "<prefix>:{limits}:", which every other key of the slots starts with
  @arg runId
  @arg jobId      the run's job, which its state names
  @arg carrier    the BullMQ job carrying it (its own id, a batch's, or a grant's)
  @arg scope      the task id
  @arg key        the run's concurrencyKey ("" for none)
  @arg rank       its place among waiters: resumes first, then by priority (flow.ts, rankOf)
  @arg taskId
  @arg version    the version its jobs go to ("" for none yet)
  @arg warmWorker the worker keeping it warm ("" for none): its job goes there when granted
  @arg flow       the flow its jobs carry (JSON, "" for none)
  @arg leaseMs    how long a held slot lasts unrenewed (the worker's lock)
  @arg grantLeaseMs  how long a granted run may take to start before its slot is given on
  @arg now        (ms)
  @reply {"granted"|"throttled", dispatch:list, nextTimerAt}   dispatch: 7 fields a granted
    run (dispatchList); nextTimerAt: when the slots want a sweep next ("" for never)
  @reply {"free"}        the task has no limits (nor shared ones): the run holds nothing
  @reply {"duplicate"}   another BullMQ job carries the same job and is running it
]]
local runsKey = KEYS[1]
local base, runId, jobId, carrier, scope, key = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local rank, taskId, version, warmWorker, flow = tonumber(ARGV[7]), ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local leaseMs, grantLeaseMs, now = tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14])
local rcall = redis.call

-- @include "slots"

local function run(record)
  record.st = "r"
  record.j = jobId
  record.c = carrier
  rcall("HSET", runsKey, runId, cjson.encode(record))
  rcall("ZADD", base .. SLOT.leases, now + leaseMs, runId)
end

local text = rcall("HGET", runsKey, runId)
local record = text and cjson.decode(text)
if record and record.st ~= "w" then
  if record.st == "r" and record.j == jobId and record.c ~= carrier then
    return {"duplicate"}
  end
  run(record)
  return {"granted", {}, nextTimer(base)}
end

local limits = limitsOf(base, scope)
local arrived = false
if record then
  record.j, record.c, record.w = jobId, carrier, warmWorker
  rcall("HSET", runsKey, runId, cjson.encode(record))
else
  if not limits.limit and not limits.perKey and not limits.rate and not limits.named and not limits.paused then
    return {"free"}
  end
  local place = string.format("%.0f", rank * SCORE_SPAN + nextSequence(base))
  record = {r = runId, s = scope, k = key, j = jobId, c = carrier, st = "w", sc = place, t = taskId, v = version, w = warmWorker, f = flow}
  -- Nobody in line and room everywhere: the slot is taken at once (as a grant and a start would).
  if freeNow(base, scope, key, limits, now) then
    takeSlot(base, record, limits, "r", leaseMs, now)
    return {"granted", {}, nextTimer(base)}
  end
  enqueue(base, record, limits)
  arrived = true
end

local granted = {}
fill(base, scope, now, grantLeaseMs, granted)
record = cjson.decode(rcall("HGET", runsKey, runId))
if record.st == "g" then
  run(record)
  return {"granted", dispatchList(granted, runId), nextTimer(base)}
end
if arrived then
  rcall("HINCRBY", base .. SLOT.throttled, scope, 1)
  rcall("HINCRBY", base .. SLOT.throttledByKey .. scope, key, 1)
end
return {"throttled", dispatchList(granted, nil), nextTimer(base)}
