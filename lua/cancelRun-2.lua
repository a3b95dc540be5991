--[[
  Cancels a run: at once when it is queued or parked, at its next durable operation when
  a worker is executing it.
  KEYS[1] run hash (its journal and events are fields of it)   KEYS[2] session hash (its runs are fields of it)
  ARGV[1] now (ms)   ARGV[2] run id   ARGV[3] reason   ARGV[4] the session's tag prefix
  Returns {"cancelled" | "requested" | "finished", waitedSince?} (waitedSince: when the
    wait the cancellation ended began; the caller takes the run out of the waiting index)
  Errors: -1 run not found
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local rcall = redis.call

-- @include "cancelIdleRun"

if rcall("EXISTS", runKey) == 0 then
  return -1
end
local outcome, since = cancelIdleRun(runKey, sessionKey, ARGV[2], ARGV[1], ARGV[3], ARGV[4])
return {outcome, since}
