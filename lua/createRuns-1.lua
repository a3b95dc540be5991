--[[
  Creates the runs of a batch in one session, all in one step (batchTrigger and
  batchTriggerAndWait, POST /tasks/:taskId/batch-trigger): either every run the batch names
  exists afterwards, or, the session refusing, none was created.
  Run keys are built from `tagPrefix`: they share the session's hash tag.
  @key session    session hash (its runs are fields a:<own part of the run id>)
  @arg runs       JSON array of the runs, each [run id, payload JSON, the parent's "<run id>|<wait position>|<index>" or "", its flow JSON or ""]
  @arg taskId
  @arg now        (ms)
  @arg tagPrefix  the session's tag prefix
  @arg version    the version of the task code the runs start on ("" for none yet)
  @arg traceparent  the batch trigger's span (W3C traceparent) the runs are traced under ("" when not traced)
  @reply list     a pair per run in order: "created", claim (what its first job carries;
    claimStart) | "exists", status (created before: a replay of the batch)
  @error SessionNotFound SessionClosed
  @marks unit
]]
local sessionKey = KEYS[1]
local taskId, now, tagPrefix, version, traceparent = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local rcall = redis.call

-- @include "keyNames"
-- @include "newRun"
-- @include "claimStart"
-- @include "sessionRefusal"

local refused = sessionRefusal(sessionKey)
if refused then
  return refused
end

local reply = {}
for _, run in ipairs(cjson.decode(ARGV[1])) do
  local runId, payload, parent, flow = run[1], run[2], run[3], run[4] or ""
  local runKey = tagPrefix .. KEY.run .. ownOfRun(runId)
  local existing = rcall("HGET", runKey, "status")
  if existing then
    reply[#reply + 1] = "exists"
    reply[#reply + 1] = existing
  else
    local extra = parent ~= "" and {"parent", parent} or {}
    if traceparent ~= "" then
      extra[#extra + 1] = "tp"
      extra[#extra + 1] = traceparent
    end
    if flow ~= "" then
      extra[#extra + 1] = "flow"
      extra[#extra + 1] = flow
    end
    newRun(runKey, sessionKey, runId, taskId, version, payload, now, runId .. "-1", extra, nil)
    reply[#reply + 1] = "created"
    reply[#reply + 1] = claimStart(runKey)
  end
end
return reply
