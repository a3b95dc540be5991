-- A run's history, its journal and its events, is append-only lines kept in chunks that
-- are fields of the run hash: log "j" is the journal (lines "<pos> <entry JSON>" and
-- "r<pos> <result>", libs/sdk/src/executor/ARCHITECTURE.md), log "e" the events
-- (pushEvent.lua). The chunk being written is the field named like the log ("j"); a full
-- chunk moves to "j0", "j1", ... and "jn" counts those. An append rewrites at most one
-- chunk, so a turn costs the same at turn 10,000 as at turn 10, and a long history costs
-- its bytes and little more (a field per position would add ~40 bytes of hashtable
-- overhead each). Chunks stay under the listpack value limit Helmr's Redis runs with.
local HISTORY_CHUNK_BYTES = 1000

-- Adds to `fields` (a flat list for HSET) what appending `line` to a log writes, given the
-- log's current chunk (nil for none) and its count of full chunks (its `<log>n`, nil for 0).
local function appendFields(fields, log, current, full, line)
  local n = #fields
  if not current then
    fields[n + 1], fields[n + 2] = log, line
  elseif #current + #line <= HISTORY_CHUNK_BYTES then
    fields[n + 1], fields[n + 2] = log, current .. line
  else
    full = tonumber(full or "0")
    fields[n + 1], fields[n + 2] = log .. full, current
    fields[n + 3], fields[n + 4] = log, line
    fields[n + 5], fields[n + 6] = log .. "n", full + 1
  end
end

local function appendLine(runKey, log, line)
  local at = rcall("HMGET", runKey, log, log .. "n")
  local fields = {}
  appendFields(fields, log, at[1] or nil, at[2] or nil, line)
  rcall("HSET", runKey, unpack(fields))
end

-- Journals `value` (an entry JSON, or a wait's result) under `field` (a position, or "r" .. position).
local function journal(runKey, field, value)
  appendLine(runKey, "j", field .. " " .. value .. "\n")
end

-- How a consumed input is journaled as its wait's result: "=<data>" when the data is no
-- longer than the entry's id, otherwise "@<entry id>", since the stream holds the data and
-- a replay reads it from there (libs/broker/src/history.ts).
local function inputResult(data, entryId)
  if #data <= #entryId then
    return "=" .. data
  end
  return "@" .. entryId
end

-- A log's chunks, oldest first, or nil when there are more than `maxChunks` (nil: no limit).
local function readLog(runKey, log, maxChunks)
  local full = tonumber(rcall("HGET", runKey, log .. "n") or "0")
  if maxChunks and full + 1 > maxChunks then
    return nil
  end
  local fields = {}
  for i = 0, full - 1 do
    fields[#fields + 1] = log .. i
  end
  fields[#fields + 1] = log
  local chunks = {}
  for _, chunk in ipairs(rcall("HMGET", runKey, unpack(fields))) do
    if chunk then
      chunks[#chunks + 1] = chunk
    end
  end
  return chunks
end
