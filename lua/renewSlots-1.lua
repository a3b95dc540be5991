--[[
  Renews the leases of slots a worker's executions hold, so they outlast the worker only
  by one lease (its lock duration).
  @key leases     runs holding a slot by when their lease runs out
  @arg base       "<prefix>:{limits}:"
  @arg leaseMs
  @arg now        (ms)
  @arg ...runIds  runs the worker is executing, each with the job it runs for: runId, jobId, ...
  @reply integer  how many leases were renewed
]]
local leasesKey = KEYS[1]
local base, leaseMs, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local rcall = redis.call

-- @include "keyNames"

local renewed = 0
for i = 4, #ARGV, 2 do
  local text = rcall("HGET", base .. SLOT.runs, ARGV[i])
  if text then
    local record = cjson.decode(text)
    if record.st == "r" and record.j == ARGV[i + 1] then
      rcall("ZADD", leasesKey, now + leaseMs, ARGV[i])
      renewed = renewed + 1
    end
  end
end
return renewed
