--[[
  Cancels a run: at once when it is queued or parked, at its next durable operation when
  a worker is executing it.
  @key run        run hash (its journal and events are fields of it)
  @key session    session hash (its runs are fields of it)
  @arg now        (ms)
  @arg runId
  @arg reason
  @arg tagPrefix  the session's tag prefix
  @reply {"cancelled"|"requested"|"finished", waitedSince, parent, child, batch, wakeJob, warmWorker, version}
    waitedSince: when the wait the cancellation ended began, "" for none; the caller takes
    the run out of the waiting index; parent: the run's `parent`, to be told; child: the
    child run the cancelled run waited on, to be cancelled too, space-separated when a
    waits.first had several; batch: the journal position of the batch of children it
    waited on, whose entry names them, to be cancelled too; wakeJob: the ended wait's
    wake-up job, for the caller to remove, and warmWorker the worker whose queue may hold
    it; "" for none
  @error RunNotFound
  @marks retention
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local rcall = redis.call

-- @include "cancelIdleRun"

if rcall("EXISTS", runKey) == 0 then
  return -1
end
local before = rcall("HMGET", runKey, "status", "wait", "parent")
local outcome, since, wakeJob, warm, version = cancelIdleRun(runKey, sessionKey, ARGV[2], ARGV[1], ARGV[3], ARGV[4])
local child, batch = "", ""
if outcome == "cancelled" and before[1] == "waiting" and before[2] then
  local wait = cjson.decode(before[2])
  if wait.kind == "run" then
    child = wait.run
  elseif wait.kind == "first" then
    local runs = {}
    for _, branch in ipairs(wait.branches) do
      if branch.kind == "run" then
        runs[#runs + 1] = branch.run
      end
    end
    child = table.concat(runs, " ")
  elseif wait.kind == "batch" then
    -- The ends counted so far go: the children's later ends find nothing to count.
    batch = tostring(wait.pos)
    local fields = {"b" .. batch .. ":n", "b" .. batch .. ":d"}
    for i = 0, wait.count - 1 do
      fields[#fields + 1] = "b" .. batch .. ":" .. i
    end
    rcall("HDEL", runKey, unpack(fields))
  end
end
return {outcome, since or "", before[3] or "", child, batch, wakeJob or "", warm or "", version or ""}
