--[[
  A run no longer waits on a token (a waits.first branch on it lost to another branch): its
  registration as the token's waiter goes, so another run may wait on the token. Only that
  exact waiter is released: a later wait of the same run (another position) keeps its own.
  @key token      token hash
  @arg waiter     "runId|position"
  @reply integer  1 when released, 0 when the token names another waiter, none, or is gone
  @marks unit
]]
local tokenKey = KEYS[1]
local waiter = ARGV[1]
local rcall = redis.call

if rcall("HGET", tokenKey, "waiter") ~= waiter then
  return 0
end
rcall("HDEL", tokenKey, "waiter")
return 1
