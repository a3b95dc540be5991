--[[
  Begins an execution its worker started from the job's claim (lua/includes/claimStart.lua):
  the run shows running from now on. Sent once the task's code has had its first turn, not
  awaited, so it costs the resume nothing; whichever of it and the execution's first write
  lands first begins the execution (guardExecution), and a late one is refused.
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg fence
  @arg startedAt  when the execution started (ms)
  @arg runId
  @reply integer  0
  @error StaleExecution Cancelled
]]
local rcall = redis.call

-- @include "guardExecution"

-- The run hash holds its events: guardExecution takes it in both roles.
return guardExecution(KEYS[1], KEYS[2], ARGV[3], ARGV[1], ARGV[2])
