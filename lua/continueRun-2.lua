--[[
  Continues a run as a new one (ctx.continueAsNew): in one step, the run ends as
  "continued", naming the new run (continuedAs), and a new queued run of the same task in
  the same session starts from `payload` with an empty journal, naming the run it
  continues (continuedFrom) and the parent it was triggered by, if any (the parent waits
  for the end of the chain). Nothing of the session's input is touched: what is buffered
  stays buffered for the new run's waits, each input consumed once.
  @key run        run hash
  @key session    session hash
  @arg fence
  @arg newRunId   the new run's id
  @arg payload    payload JSON
  @arg now        (ms)
  @arg runId
  @arg tagPrefix  the session's tag prefix
  @reply {jobId, taskId, claim:list}   the new run's (claim: what its first job carries; claimStart)
  @error StaleExecution Cancelled
  @marks retention
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local fence, newRunId, now, runId, tagPrefix = ARGV[1], ARGV[2], ARGV[4], ARGV[5], ARGV[6]
local rcall = redis.call

-- @include "keyNames"
-- @include "guardExecution"
-- @include "newRun"
-- @include "claimStart"

local guard = guardExecution(runKey, sessionKey, runId, fence, now)
if guard ~= 0 then
  return guard
end
-- The new run goes on on the code the continued one ran.
local taskId, version = unpack(rcall("HMGET", runKey, "task", "ver"))
local newRunKey = tagPrefix .. KEY.run .. ownOfRun(newRunId)
local jobId = newRunId .. "-1"
local parent = rcall("HGET", runKey, "parent")
local inherited = parent and {"continuedFrom", runId, "parent", parent} or {"continuedFrom", runId}
newRun(newRunKey, sessionKey, newRunId, taskId, version or "", ARGV[3], now, jobId, inherited, '{"continuedFrom":"' .. runId .. '"}')
finishRun(runKey, sessionKey, runId, "continued", now, "continuedAs", newRunId, '{"runId":"' .. newRunId .. '"}')
return {jobId, taskId, claimStart(newRunKey)}
