-- @include "waitKeys"
-- The buffer keys (waitKeys.lua, bufferKey) that hold the unconsumed inputs of input stream
-- `name`, from its entries (XRANGE) and its consumption records (HGETALL of its inc: hash):
-- a buffer is named by an input's correlationId, so the unconsumed entries name them all.
-- Added to `into` as keys of a set (several inputs share one buffer).
local function unconsumedBuffers(into, tagPrefix, name, entries, consumedPairs)
  local consumed = {}
  for j = 1, #consumedPairs, 2 do
    consumed[consumedPairs[j]] = true
  end
  for _, entry in ipairs(entries) do
    if not consumed[entry[1]] then
      local fields = entry[2]
      for j = 1, #fields, 2 do
        if fields[j] == "c" then
          into[bufferKey(tagPrefix, name, fields[j + 1])] = true
        end
      end
    end
  end
end
