-- @include "pushEvent"
-- @include "endWait"
-- @include "claimStart"
-- Resolves a parked run's wait with `result` and queues the run to resume: journals the
-- result at the wait's position, names the job that resumes it, ends the wait, records the
-- "resumed" event and claims the execution for that job (claimStart). The run hash is read
-- once (`flat`, its HGETALL) and written once: this is the hot path from an input or a
-- token completion to resumed code.
-- Returns jobId, when the wait began (endWait), and the claim ({} when none).
local function resumeRun(runKey, runId, flat, wait, result, now, detail)
  local journal, size, run = splitRunHash(flat)
  local resultField = "r" .. wait.pos
  journal[#journal + 1] = resultField
  journal[#journal + 1] = result
  size = size + #result

  local dseq = tonumber(run.dseq or "0") + 1
  local job = runId .. "-" .. dseq
  local events = withWaitOnParked(run.events or "", run.wait) .. eventLine("resumed", now, run.createdAt, run.attempt, detail)
  local fields = {resultField, result, "status", "queued", "job", job, "runAt", "0", "updatedAt", now, "dseq", dseq, "events", events}
  local claim = {}
  if claimFits(size, run.payload) then
    local fence = tonumber(run.fence or "0") + 1
    for _, v in ipairs({"fence", fence, "claim", fence}) do
      fields[#fields + 1] = v
    end
    claim = {fence, run.attempt or "1", run.payload, run.activeMs or "0", journal}
  end
  rcall("HSET", runKey, unpack(fields))
  rcall("HDEL", runKey, "wait")
  return job, sinceOfWait(run.wait), claim
end
