-- @include "history"
-- Claims the execution that the job being queued will start, so the worker that takes the
-- job starts at once from the job's data instead of calling startExecution: one round
-- trip less per resume. The run stays queued until the claimed execution's first write
-- (guardExecution), which must carry the claimed fence. A resumed wait's result always
-- travels with the job. The run's payload and journal travel too when they are small and
-- no worker holds the run warm: a cold worker then replays without reading them, while
-- the warm one continues in memory and needs neither (libs/sdk/src/executor/ARCHITECTURE.md).
local CLAIM_MAX_BYTES = 16384
local CLAIM_MAX_CHUNKS = 16

-- What a claim carries of the run's history: "1" and the payload and journal chunks when
-- they fit, else "0".
local function claimedHistory(runKey, payload)
  local chunks = readLog(runKey, "j", CLAIM_MAX_CHUNKS)
  if not chunks then
    return "0", "", {}
  end
  local size = #(payload or "")
  for _, chunk in ipairs(chunks) do
    size = size + #chunk
  end
  if size > CLAIM_MAX_BYTES then
    return "0", "", {}
  end
  return "1", payload or "null", chunks
end

-- A claim as a job carries it: {fence, attempt, activeMs, carried ("1": payload and journal
-- follow), payload, journal chunks, resumed position ("" for none), resumed result, parent
-- ("<run id>|<position>" of the run that triggered it from its code, "" for none: its
-- worker tells the parent when it ends), version (of the task code the run runs on, whose
-- queue the job goes to; "" for none yet), flow (its concurrencyKey and priority, JSON; ""
-- for none), schedule (the schedule fire that started it, JSON: ctx.schedule; "" for none),
-- traceparent (the trigger's span its executions are traced under; "" when not traced)}.
local function claimOf(runKey, fence, attempt, activeMs, payload, warm, resumedPos, resumedResult)
  local carried, carriedPayload, chunks = "0", "", {}
  if not warm then
    carried, carriedPayload, chunks = claimedHistory(runKey, payload)
  end
  local run = rcall("HMGET", runKey, "parent", "ver", "flow", "sched", "tp")
  return {fence, attempt or "1", activeMs or "0", carried, carriedPayload, chunks, resumedPos or "", resumedResult or "", run[1] or "", run[2] or "", run[3] or "", run[4] or "", run[5] or ""}
end

-- Claims the first execution of a run just created (createRun, continueRun).
local function claimStart(runKey)
  local run = rcall("HMGET", runKey, "fence", "attempt", "activeMs", "payload")
  local fence = tonumber(run[1] or "0") + 1
  rcall("HSET", runKey, "fence", fence, "claim", fence)
  return claimOf(runKey, fence, run[2] or nil, run[3] or nil, run[4] or nil, false, nil, nil)
end
