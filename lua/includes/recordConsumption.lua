-- Marks an input entry as consumed by the wait at `pos` of `runId`, for the history.
local function recordConsumption(consumedKey, entryId, runId, pos, now)
  rcall("HSET", consumedKey, entryId, '{"runId":"' .. runId .. '","position":' .. pos .. ',"at":' .. now .. '}')
end
