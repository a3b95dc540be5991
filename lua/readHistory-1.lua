--[[
  Reads what a replay of a run starts from, for an execution whose job did not carry it
  (lua/includes/claimStart.lua): the payload and the journal's chunks (history.lua).
  @key run        run hash
  @reply {payload, chunks:list}
]]
local runKey = KEYS[1]
local rcall = redis.call

-- @include "history"

return {rcall("HGET", runKey, "payload") or "null", readLog(runKey, "j")}
