--[[
  Creates a queued run in a session (and the session itself when asked to).
  @key session    session hash (its runs are fields a:<own part of the run id>)
  @key run        run hash (its events are a field of it)
  @arg runId
  @arg taskId
  @arg payload    payload JSON
  @arg now        (ms)
  @arg jobId
  @arg idempotencyKey  "" for none
  @arg createSession   "1" to create the session when missing
  @arg parent     the parent's "<run id>|<position>" when a run's code triggered it ("" for none)
  @arg version    the version of the task code the run starts on ("" for none yet)
  @arg flow       its concurrencyKey and priority (JSON, "" for none; systems/flow.ts)
  @arg expireAt   when it expires if it has not started (ms; "" for no ttl)
  @arg schedule   the schedule fire that started it (JSON, ctx.schedule; "" for none: systems/schedules.ts)
  @arg replayOf   the run it replays (POST /runs/:id/replay; "" for none)
  @arg traceparent  the trigger's span (W3C traceparent) every execution of the run is traced under ("" when not traced: broker tracing.ts)
  @reply {"created", claim:list}   claim: what the run's first job carries so its worker starts at once; claimStart
  @reply {"exists", status}   the same run id was created before
  @error SessionNotFound SessionClosed
  @marks unit
]]
local sessionKey, runKey = KEYS[1], KEYS[2]
local runId, taskId, payload, now, jobId, idem = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local createSession, parent, version, flow, expireAt, schedule, replayOf, traceparent = ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13], ARGV[14]
local rcall = redis.call

-- @include "newRun"
-- @include "claimStart"

local existing = rcall("HGET", runKey, "status")
if existing then
  return {"exists", existing}
end

local sessionStatus = rcall("HGET", sessionKey, "status")
if not sessionStatus then
  if createSession ~= "1" then
    return -4
  end
  rcall("HSET", sessionKey, "status", "open", "createdAt", now, "updatedAt", now)
elseif sessionStatus ~= "open" then
  return -5
end

-- The trigger's options the run stores, each only when given: written with the run, in one HSET.
local extra = {}
for _, field in ipairs({{"idem", idem}, {"parent", parent}, {"flow", flow}, {"expireAt", expireAt}, {"sched", schedule}, {"replayOf", replayOf}, {"tp", traceparent}}) do
  if field[2] ~= "" then
    extra[#extra + 1] = field[1]
    extra[#extra + 1] = field[2]
  end
end
newRun(runKey, sessionKey, runId, taskId, version, payload, now, jobId, extra, nil)
return {"created", claimStart(runKey)}
