-- Generated from libs/core/src/waits/outcome.ts and shapes.ts by scripts/build/lua-wait-outcomes.ts:
-- do not edit by hand. A wait's outcome as JSON text, built as TypeScript builds it.
-- The names of the errors a wait ends with (the SDK's error classes).
local WAIT_ERROR = {
  timedOut = "WaitTimeoutError",
  cancelled = "RunCancelledError",
  childFailed = "ChildRunFailedError",
  tokenFailed = "TokenFailedError",
}

-- A wait that ended with no value (a timer).
local OUTCOME_RESOLVED = '{"ok":true}'

-- A wait that ended with output (JSON text); `entry` names the input entry it took, or nil.
local function okOutcome(output, entry)
  if entry then
    return '{"ok":true,"output":' .. output .. ',"entry":"' .. entry .. '"}'
  end
  return '{"ok":true,"output":' .. output .. '}'
end

-- A wait that ended with an error; `message` is text that needs no JSON escaping.
local function failedOutcome(name, message)
  return '{"ok":false,"error":{"name":"' .. name .. '","message":"' .. message .. '"}}'
end

-- A waits.first's outcome when branch `key` (a name: letters, digits, _) ended it with `result`
-- (an outcome's JSON): {"ok":true,"output":{"key":…,"ok":…,"output"|"error":…}}.
local function wonBy(key, result)
  return '{"ok":true,"output":{"key":"' .. key .. '",' .. string.sub(result, 2) .. '}'
end

-- The journal entry of an append to output stream `stream` (a name that needs no JSON escaping) as entry `entryId`.
local function outputEntry(stream, entryId)
  return '{"k":"output","n":"' .. stream .. '","v":"' .. entryId .. '"}'
end
