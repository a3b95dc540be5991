--[[
  Takes a run out of its line for a slot: it will never start (it expired, or was
  cancelled, while it waited). A run holding a slot, or granted one, is left alone: its
  job lets the slot go (releaseSlot, or its grant's lease running out).
  @key runs       the slots' records (run id to JSON, includes/slots.lua)
  @arg base       "<prefix>:{limits}:"
  @arg runId
  @reply {withdrawn}   "1" when the run was in line, "0" when not
]]
local runsKey = KEYS[1]
local base, runId = ARGV[1], ARGV[2]
local rcall = redis.call

-- @include "slots"

local text = rcall("HGET", runsKey, runId)
local record = text and cjson.decode(text)
if not record or record.st ~= "w" then
  return {"0"}
end
rcall("HDEL", runsKey, runId)
rcall("ZREM", waitLine(base, record.s, record.k), runId)
bump(base .. SLOT.queued, record.s, -1)
bump(base .. SLOT.queuedByKey .. record.s, record.k, -1)
-- Its key's line has another head now, or none.
lineUp(base, record.s, record.k, limitsOf(base, record.s), false)
forgetIfIdle(base, record.s, record.k)
return {"1"}
