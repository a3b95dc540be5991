--[[
  Begins an execution its worker started from the job's claim (lua/includes/claimStart.lua):
  the run shows running from now on. Sent once the task's code has had its first turn, not
  awaited, so it costs the resume nothing; whichever of it and the execution's first write
  lands first begins the execution (guardExecution), and a late one is refused.
  KEYS[1] run hash (its journal and events are fields of it)   KEYS[2] session hash (its runs are fields of it)
  ARGV[1] fence   ARGV[2] when the execution started (ms)   ARGV[3] run id
  Returns 0
  Errors: -2 stale execution, -3 cancelled
]]
local rcall = redis.call

-- @include "guardExecution"

-- The run hash holds its events: guardExecution takes it in both roles.
return guardExecution(KEYS[1], KEYS[2], ARGV[3], ARGV[1], ARGV[2])
