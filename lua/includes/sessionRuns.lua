-- A session hash names its runs by their own part: `run_<own>_<tag>` is `<own>` there
-- (fields a:<own> while active, f:<own> once finished; wait queues w:…), since every run
-- of a session shares its tag and every byte counts per parked run (ARCHITECTURE.md: 1 KB).
local function ownOfRun(runId)
  return string.sub(runId, 5, 20)
end
local function runIdIn(sessionKey, own)
  return "run_" .. own .. "_" .. string.match(sessionKey, "{(.-)}")
end
