--[[
  The retention sweeper's look at one session (systems/retention.ts): deletes its finished
  runs past the run retention (hash, journal and events with it, and its `f:` field), and
  says what comes next for the session. A queued, running or parked run is never touched.
  @key session    session hash
  @arg now        (ms)
  @arg runMs      run retention (ms, 0: off)
  @arg sessionMs  session retention (ms, 0: off)
  @arg idleMs     idle close (ms, 0: off)
  @arg tagPrefix  the session's tag prefix
  @reply {"erase"|"close"|"keep"|"gone", next, deleted:list}
    "erase": closed past its retention with no runs left; "close": open, no active run, idle
    past the idle close; "gone": no such session. next: the time something of it comes due
    ("" when nothing will without a new change: an active run's end, a close, is fed to the
    due index again); deleted: {runId, createdAt, task, idem} per deleted run, flat
]]
local sessionKey = KEYS[1]
local now, runMs, sessionMs, idleMs, tagPrefix = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local rcall = redis.call

-- @include "keyNames"
-- @include "sessionRuns"
-- @include "sessionParts"

local session = readSession(sessionKey)
if not session then
  return {"gone", "", {}}
end
local fields = {}
for i = 1, #session, 2 do
  fields[session[i]] = session[i + 1]
end

local next
local function dueAt(at)
  if not next or at < next then
    next = at
  end
end

local deleted, finishedLeft, active = {}, false, false
forEachPart(session, function(part, own)
  if part == PART.activeRun then
    active = true
  elseif part == PART.finishedRun then
    local runKey = tagPrefix .. KEY.run .. own
    local run = rcall("HMGET", runKey, "finishedAt", "createdAt", "task", "idem")
    local finishedAt = tonumber(run[1])
    if runMs > 0 and finishedAt and finishedAt <= now - runMs then
      rcall("DEL", runKey)
      rcall("HDEL", sessionKey, part .. own)
      for _, value in ipairs({runIdIn(sessionKey, own), run[2] or "0", run[3] or "", run[4] or ""}) do
        deleted[#deleted + 1] = value
      end
    else
      finishedLeft = true
      if runMs > 0 and finishedAt then
        dueAt(finishedAt + runMs)
      end
    end
  end
end)

local verdict = "keep"
if fields.status == "closed" and sessionMs > 0 and not active and not finishedLeft then
  local closedAt = tonumber(fields.closedAt) or 0
  if closedAt <= now - sessionMs then
    verdict = "erase"
  else
    dueAt(closedAt + sessionMs)
  end
elseif fields.status == "open" and idleMs > 0 and not active then
  -- Its last change, input or output: the newest entry of each of its streams.
  local last = tonumber(fields.updatedAt) or tonumber(fields.createdAt) or 0
  forEachPart(session, function(stream, name)
    if stream == KEY.inputStream or stream == KEY.outputStream then
      local newest = rcall("XREVRANGE", tagPrefix .. stream .. name, "+", "-", "COUNT", 1)[1]
      if newest then
        last = math.max(last, tonumber(string.match(newest[1], "^(%d+)")))
      end
    end
  end)
  if last <= now - idleMs then
    verdict = "close"
  else
    dueAt(last + idleMs)
  end
end
return {verdict, next and tostring(next) or "", deleted}
