--[[
  Reads every key of one session for a snapshot in one step, so a snapshot never holds a
  half-applied change of the session (a delivery, a park, a public token's spent use).
  Tokens are captured on their own (they are single keys). The keys are found from the
  session hash: runs (finished ones too: their output stays readable) from its a:/f:
  fields; streams from its in:/out: counters; public tokens from its pat: fields; the
  buffers of its unconsumed inputs from those inputs' correlationIds. Wait queues are
  fields of the session hash itself.
  @key session    session hash
  @arg tagPrefix  the session's tag prefix
  @reply list     (suffix, type, contents) triples, flat, {} when the session is gone:
    "hash" a flat field/value list, "zset" a flat member/score list, "stream" XRANGE entries
]]
-- Each redis.call costs a few µs here, far more than the Lua around it: each key is read once.
local sessionKey, tagPrefix = KEYS[1], ARGV[1]
local rcall = redis.call

-- @include "keyNames"
-- @include "unconsumedBuffers"
-- @include "sessionParts"

local session = readSession(sessionKey)
if not session then
  return {}
end

local out = {}
local function add(suffix, kind, contents)
  if #contents > 0 then
    out[#out + 1] = suffix
    out[#out + 1] = kind
    out[#out + 1] = contents
  end
end
local function zsetOf(suffix)
  return rcall("ZRANGE", tagPrefix .. suffix, 0, -1, "WITHSCORES")
end

add(KEY.session, "hash", session)

-- Input buffers, by key suffix; a set, since several inputs share one.
local buffers = {}
forEachPart(session, function(part, name)
  if part == PART.activeRun or part == PART.finishedRun then
    local suffix = KEY.run .. name
    add(suffix, "hash", rcall("HGETALL", tagPrefix .. suffix))
  elseif part == KEY.inputStream then
    local consumedPairs = rcall("HGETALL", tagPrefix .. KEY.inputConsumed .. name)
    local entries = rcall("XRANGE", tagPrefix .. KEY.inputStream .. name, "-", "+")
    add(KEY.inputStream .. name, "stream", entries)
    add(KEY.inputConsumed .. name, "hash", consumedPairs)
    -- By suffix: the snapshot names keys without the tag prefix.
    unconsumedBuffers(buffers, "", name, entries, consumedPairs)
  elseif part == KEY.outputStream then
    add(KEY.outputStream .. name, "stream", rcall("XRANGE", tagPrefix .. KEY.outputStream .. name, "-", "+"))
  elseif part == KEY.publicToken then
    add(KEY.publicToken .. name, "hash", rcall("HGETALL", tagPrefix .. KEY.publicToken .. name))
  end
end)
for suffix in pairs(buffers) do
  add(suffix, "zset", zsetOf(suffix))
end
return out
