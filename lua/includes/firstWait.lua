-- @include "waitKeys"
-- @include "waitOutcomes"
-- A wait on the first of several (waits.first, libs/sdk/src/executor/operations/first.ts):
-- the run's `wait` is {kind = "first", pos, since, branches}, each branch {key, kind} and
-- what it waits on: "input" {stream, corr}, "token" {token, timeoutAt}, "run" {run} (a
-- child run) or "timer" {dueAt}. Whichever script resolves one branch resolves the whole
-- wait, atomically, like any wait: the others find the run no longer waiting on them.

-- The branch of `kind` for which `matches(branch)` holds; nil when none.
local function firstBranch(wait, kind, matches)
  for _, branch in ipairs(wait.branches) do
    if branch.kind == kind and matches(branch) then
      return branch
    end
  end
  return nil
end

-- Takes the run off the queues of its input branches, but `except` (an input just took
-- the run off that one's), so no later input is consumed by the branches that lost.
local function dropFirstInputs(sessionKey, wait, runId, except)
  for _, branch in ipairs(wait.branches) do
    if branch.kind == "input" and branch ~= except then
      dropWait(sessionKey, branch.stream, branch.corr, runId)
    end
  end
end

-- The branch a wake-up job is for: the one whose deadline (a timer's due time, a token's
-- timeout) comes first; the earlier-declared one on a tie.
local function dueBranch(wait)
  local due, at = nil, nil
  for _, branch in ipairs(wait.branches) do
    local deadline = (branch.kind == "timer" and branch.dueAt) or (branch.kind == "token" and branch.timeoutAt) or nil
    if deadline and (not at or deadline < at) then
      due, at = branch, deadline
    end
  end
  return due
end
