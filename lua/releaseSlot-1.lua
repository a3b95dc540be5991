--[[
  Lets a run's slot go: its execution parked or ended. Only the job that holds it may:
  a later job of the run that took the slot over (its resume came first) keeps it. The
  slot goes to the next run in line, whose job the caller dispatches.
  @key runs       the slots' records (run id to JSON, includes/slots.lua)
  @arg base       "<prefix>:{limits}:"
  @arg runId
  @arg jobId      the job the execution ran for
  @arg grantLeaseMs  how long a granted run may take to start before its slot is given on
  @arg now        (ms)
  @reply {dispatch:list, nextTimerAt}   as acquireSlot's
]]
local runsKey = KEYS[1]
local base, runId, jobId, grantLeaseMs, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local rcall = redis.call

-- @include "slots"

local text = rcall("HGET", runsKey, runId)
local record = text and cjson.decode(text)
if not record or record.st == "w" or record.j ~= jobId then
  return {{}, nextTimer(base)}
end
dropHolder(base, record)
local limits = limitsOf(base, record.s)
lineUp(base, record.s, record.k, limits, false)
local granted = {}
fillAfter(base, record.s, record.n, now, grantLeaseMs, granted)
return {dispatchList(granted, nil), nextTimer(base)}
