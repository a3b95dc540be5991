-- Parked waits and buffered inputs of one (stream, correlationId) of a session, each
-- served oldest first. Stream names cannot contain "|" (they are validated as names), so
-- "stream|corr" is unique.
-- Waits are a field of the session hash, `w:<stream>|<corr>`, holding the parked runs in
-- park order, space-separated, by their own part (sessionRuns): a field costs far less than
-- a key of its own, and a queue usually holds one run (ARCHITECTURE.md targets 1 KB per parked run).
-- The functions below take and return whole run ids.
-- Buffered inputs are a zset of entry ids ordered by the session's sequence.
-- @include "sessionRuns"
-- @include "keyNames"
local function waitsField(stream, corr)
  return "w:" .. stream .. "|" .. corr
end
local function bufferKey(tagPrefix, stream, corr)
  return tagPrefix .. KEY.inputBuffer .. stream .. "|" .. corr
end
local function nextSeq(tagPrefix)
  return rcall("HINCRBY", tagPrefix .. KEY.session, "seq", 1)
end
-- The data (field `d`) of the input entry `entryId` of a session's input stream.
local function inputData(tagPrefix, stream, entryId)
  local fields = rcall("XRANGE", tagPrefix .. KEY.inputStream .. stream, entryId, entryId)[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == "d" then
      return fields[i + 1]
    end
  end
end
local function popOldest(key)
  local popped = rcall("ZPOPMIN", key)
  return popped[1]
end

local function queueWait(sessionKey, stream, corr, runId)
  local field = waitsField(stream, corr)
  local queue = rcall("HGET", sessionKey, field)
  local own = ownOfRun(runId)
  rcall("HSET", sessionKey, field, queue and (queue .. " " .. own) or own)
end

-- The oldest parked run id of the queue, taken off it; nil when none waits.
local function takeOldestWait(sessionKey, stream, corr)
  local field = waitsField(stream, corr)
  local queue = rcall("HGET", sessionKey, field)
  if not queue then
    return nil
  end
  local space = string.find(queue, " ", 1, true)
  if not space then
    rcall("HDEL", sessionKey, field)
    return runIdIn(sessionKey, queue)
  end
  rcall("HSET", sessionKey, field, string.sub(queue, space + 1))
  return runIdIn(sessionKey, string.sub(queue, 1, space - 1))
end

-- Takes a run off the queue (its wait ended otherwise: timeout, cancel).
local function dropWait(sessionKey, stream, corr, runId)
  local field = waitsField(stream, corr)
  local queue = rcall("HGET", sessionKey, field)
  if not queue then
    return
  end
  local own = ownOfRun(runId)
  local padded = " " .. queue .. " "
  local at = string.find(padded, " " .. own .. " ", 1, true)
  if not at then
    return
  end
  local rest = string.sub(padded, 1, at) .. string.sub(padded, at + #own + 2)
  rest = string.sub(rest, 2, -2)
  if rest == "" then
    rcall("HDEL", sessionKey, field)
  else
    rcall("HSET", sessionKey, field, rest)
  end
end
