--[[
  Erases a session ("forget me"): deletes every key of its hash tag, in one step, the session
  hash last. The keys are found from the session hash as dumpSession-1.lua finds them (runs,
  input and output streams, consumption records, buffers of unconsumed inputs, public access
  tokens), and the tokens its runs created (`tok:` fields: a token created in a run lives
  under the run's session's tag), whatever their state and whether or not their run is
  still there. The caller cancels the session's runs first and
  takes the returned ids out of the global structures after.
  @key session    session hash
  @arg tagPrefix  the session's tag prefix
  @reply {runs:list, tokens:list, session:list, schedules:list}
    runs: {runId, createdAt, idem, task, last job id, waitedSince, warm worker, version} per run, flat;
    tokens: {tokenId, createdAt, tags, idem} per token, flat; session: {externalId, tags, createdAt};
    schedules: the ids of the schedules whose runs run in the session (`sch:` fields), for the caller to delete
  @reply {}   the session does not exist
]]
local sessionKey, tagPrefix, tag = KEYS[1], ARGV[1], string.match(KEYS[1], "{(.-)}")
local rcall = redis.call

-- @include "keyNames"
-- @include "waitKeys"
-- @include "unconsumedBuffers"
-- @include "endWait"
-- @include "sessionParts"

local session = readSession(sessionKey)
if not session then
  return {}
end

local fields = {}
for i = 1, #session, 2 do
  fields[session[i]] = session[i + 1]
end
local doomed, runs, tokens, schedules = {}, {}, {}, {}
local function doom(key)
  doomed[#doomed + 1] = key
end
forEachPart(session, function(part, name)
  if part == PART.activeRun or part == PART.finishedRun then
    local runId = runIdIn(sessionKey, name)
    local runKey = tagPrefix .. KEY.run .. name
    local run = rcall("HMGET", runKey, "createdAt", "idem", "task", "dseq", "wait", "warm", "ver")
    -- Its last dispatched job (a cancel clears the run's `job`, not the job): <runId>-<dseq>.
    local job = run[4] and (runId .. "-" .. run[4]) or ""
    for _, field in ipairs({runId, run[1] or "", run[2] or "", run[3] or "", job, sinceOfWait(run[5] or nil) or "", run[6] or "", run[7] or ""}) do
      runs[#runs + 1] = field
    end
    doom(runKey)
  elseif part == PART.runToken then
    local tokenKey = tagPrefix .. KEY.token .. name
    local token = rcall("HMGET", tokenKey, "createdAt", "tags", "idem")
    if token[1] then
      for _, field in ipairs({"tok_" .. name .. "_" .. tag, token[1], token[2] or "[]", token[3] or ""}) do
        tokens[#tokens + 1] = field
      end
      doom(tokenKey)
    end
  elseif part == KEY.inputStream then
    local consumedKey = tagPrefix .. KEY.inputConsumed .. name
    local buffers = {}
    unconsumedBuffers(buffers, tagPrefix, name, rcall("XRANGE", tagPrefix .. KEY.inputStream .. name, "-", "+"), rcall("HGETALL", consumedKey))
    for buffer in pairs(buffers) do
      doom(buffer)
    end
    doom(tagPrefix .. KEY.inputStream .. name)
    doom(consumedKey)
  elseif part == KEY.outputStream then
    doom(tagPrefix .. KEY.outputStream .. name)
  elseif part == KEY.publicToken then
    doom(tagPrefix .. KEY.publicToken .. name)
  elseif part == PART.schedule then
    schedules[#schedules + 1] = name
  end
end)
for i = 1, #doomed, 500 do
  rcall("DEL", unpack(doomed, i, math.min(i + 499, #doomed)))
end
rcall("DEL", sessionKey)
return {runs, tokens, {fields.externalId or "", fields.tags or "[]", fields.createdAt or "0"}, schedules}
