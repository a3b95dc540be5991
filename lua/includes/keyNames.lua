-- Generated from TAG_KEYS and SESSION_PARTS in libs/broker/src/keys.ts by scripts/build/lua-key-names.ts: do
-- not edit by hand. A hash tag's keys by the name that follows its tag prefix
-- (`<prefix>:{<tag>}:`); scripts build every key they are not given in KEYS from these.
local KEY = {
  session       = "s",
  run           = "r:",
  inputStream   = "in:",
  inputConsumed = "inc:",
  inputBuffer   = "buf:",
  outputStream  = "out:",
  publicToken   = "pat:",
  token         = "t:",
}
-- The fields of a session hash that name a run or token of the session (SESSION_PARTS),
-- each followed by its own id part.
local PART = {
  activeRun   = "a:",
  finishedRun = "f:",
  runToken    = "tok:",
  schedule    = "sch:",
}
-- Flow control's keys by the name that follows `<prefix>:{limits}:` (SLOT_KEYS).
local SLOT = {
  limits         = "limits",
  codeLimits     = "limits:code",
  setLimits      = "limits:set",
  paused         = "paused",
  runs           = "runs",
  leases         = "leases",
  held           = "held",
  heldByKey      = "held:",
  queued         = "queued",
  queuedByKey    = "queued:",
  throttled      = "throttled",
  throttledByKey = "throttled:",
  queue          = "q:",
  ready          = "ready:",
  rate           = "rate:",
  sharedBy       = "shared:",
  timers         = "timers",
  sequence       = "seq",
}
