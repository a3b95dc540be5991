--[[
  Cancels a run: at once when it is queued or parked, at its next durable operation when
  a worker is executing it.
  KEYS[1] run hash   KEYS[2] journal hash   KEYS[3] run events   KEYS[4] session active runs
  ARGV[1] now (ms)   ARGV[2] run id   ARGV[3] reason   ARGV[4] the session's tag prefix
  Returns {"cancelled" | "requested" | "finished", waitedSince?} (waitedSince: when the
    wait the cancellation ended began; the caller takes the run out of the waiting index)
  Errors: -1 run not found
]]
local runKey, journalKey, eventsKey, activeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local rcall = redis.call

-- @include "cancelIdleRun"

if rcall("EXISTS", runKey) == 0 then
  return -1
end
local outcome, since = cancelIdleRun(runKey, journalKey, eventsKey, activeKey, ARGV[2], ARGV[1], ARGV[3], ARGV[4])
return {outcome, since}
