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

-- Returns {fence, attempt, activeMs, carried ("1": payload and journal follow), payload,
-- journal chunks, resumed position ("" for none), resumed result}.
local function claimStart(runKey, resumedPos, resumedResult, warm)
  local run = rcall("HMGET", runKey, "fence", "attempt", "activeMs", "payload")
  local fence = tonumber(run[1] or "0") + 1
  rcall("HSET", runKey, "fence", fence, "claim", fence)
  local carried, payload, chunks = "0", "", {}
  if not warm then
    local journalChunks = readLog(runKey, "j", CLAIM_MAX_CHUNKS)
    if journalChunks then
      local size = #(run[4] or "")
      for _, chunk in ipairs(journalChunks) do
        size = size + #chunk
      end
      if size <= CLAIM_MAX_BYTES then
        carried, payload, chunks = "1", run[4] or "null", journalChunks
      end
    end
  end
  return {fence, run[2] or "1", run[3] or "0", carried, payload, chunks, resumedPos or "", resumedResult or ""}
end
