import { currentExecution } from "./executor/context.ts";
import { waitFirst, type FirstOutcome, type WaitBranch } from "./executor/operations/first.ts";

export const waits = {
  /**
   * Parks once until the first of several branches ends, and says which:
   * `{ key, ok: true, output }` or `{ key, ok: false, error }`. Branches come from
   * `stream.waitFor()`, `token.waitFor()` / `tokens.waitFor(id)`, `task.waitFor(payload)`
   * (a child run) and `timers.after()` / `timers.at()`. It counts as the run's one blocking
   * wait. Exactly one branch wins, atomically: an input is consumed only when its branch
   * wins, so input that arrives for a losing branch stays buffered for the next wait; a
   * losing child run goes on (cancel it if it should not). Journaled: a replay returns the
   * same winner.
   */
  first<B extends Record<string, WaitBranch<unknown>>>(branches: B): Promise<FirstOutcome<B>> {
    return waitFirst(currentExecution("waits.first()"), branches);
  },
};

export type { FirstOutcome, WaitBranch };
