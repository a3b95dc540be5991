--[[
  Expires a run triggered with a ttl that has not started by its `expireAt`
  (includes/expireIfDue.lua); the expiry sweep (RunsSystem.expireDue) calls it at that time,
  so a run held back by a concurrency limit or a busy fleet expires on time.
  @key run        run hash
  @key session    session hash
  @arg runId
  @arg now        (ms)
  @reply {"expired"|"kept", status, parent, job, version}   expired: it did now; kept: it had
    started, ended or expired already (status says which). parent: the run waiting for it,
    "" for none; job and version: its job, which the caller removes
  @marks retention
]]
local runKey, sessionKey = KEYS[1], KEYS[2]
local runId, now = ARGV[1], ARGV[2]
local rcall = redis.call

-- @include "expireIfDue"

local job = rcall("HMGET", runKey, "job", "ver")
local expired = expireIfDue(runKey, sessionKey, runId, now)
local run = rcall("HMGET", runKey, "status", "parent")
return {expired and "expired" or "kept", run[1] or "", run[2] or "", job[1] or "", job[2] or ""}
