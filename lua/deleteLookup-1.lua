--[[
  Deletes a lookup (an external id's session, an idempotency key's run or token) only while
  it still names what was erased: the key may have been claimed again since.
  @key lookup     the lookup key
  @arg id         the id it must name
  @arg format     "json" when the value is JSON that names the id inside
  @reply integer  1 when deleted, 0 when the key names something else or is gone
]]
local value = redis.call("GET", KEYS[1])
if not value then
  return 0
end
local names
if ARGV[2] == "json" then
  names = string.find(value, '"' .. ARGV[1] .. '"', 1, true) ~= nil
else
  names = value == ARGV[1]
end
if not names then
  return 0
end
return redis.call("DEL", KEYS[1])
