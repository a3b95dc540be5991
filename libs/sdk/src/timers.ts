import { parseDuration, type Duration } from "@helmr/core";
import { currentExecution } from "./executor/context.ts";
import { waitTimer } from "./executor/operations/timer.ts";
import type { WaitResult } from "./executor/wait-result.ts";
import type { WaitBranch } from "./executor/operations/first.ts";

export const timers = {
  /**
   * Parks the run for a duration ("30s", "10m", "2d" or ms). The due time is fixed when
   * the wait is first reached; replay does not restart the clock.
   */
  waitFor(duration: Duration): WaitResult<void> {
    const ms = parseDuration(duration);
    return waitTimer(currentExecution("timers.waitFor()"), () => Date.now() + ms);
  },

  /** A branch of `waits.first` that ends it after a duration (fixed when the wait is first reached); it does not park by itself. */
  after(duration: Duration): WaitBranch<void> {
    const ms = parseDuration(duration);
    return { branch: "timer", dueAtIfNew: () => Date.now() + ms };
  },

  /** A branch of `waits.first` that ends it at a date; it does not park by itself. */
  at(date: Date | string | number): WaitBranch<void> {
    const dueAt = dueAtOf(date, "timers.at()");
    return { branch: "timer", dueAtIfNew: () => dueAt };
  },

  /** Parks the run until a date; a date in the past returns at once. */
  waitUntil(date: Date | string | number): WaitResult<void> {
    const dueAt = dueAtOf(date, "timers.waitUntil()");
    return waitTimer(currentExecution("timers.waitUntil()"), () => dueAt);
  },
};

function dueAtOf(date: Date | string | number, caller: string): number {
  const dueAt = new Date(date).getTime();
  if (Number.isNaN(dueAt)) throw new RangeError(`${caller}: invalid date ${JSON.stringify(date)}`);
  return dueAt;
}
