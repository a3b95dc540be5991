import { parseDuration, type Duration } from "@helmr/core";
import { currentExecution } from "./executor/context.ts";
import { waitTimer } from "./executor/operations/timer.ts";
import type { WaitResult } from "./executor/wait-result.ts";

export const timers = {
  /**
   * Parks the run for a duration ("30s", "10m", "2d" or ms). The due time is fixed when
   * the wait is first reached; replay does not restart the clock.
   */
  waitFor(duration: Duration): WaitResult<void> {
    const ms = parseDuration(duration);
    return waitTimer(currentExecution("timers.waitFor()"), () => Date.now() + ms);
  },

  /** Parks the run until a date; a date in the past returns at once. */
  waitUntil(date: Date | string | number): WaitResult<void> {
    const dueAt = new Date(date).getTime();
    if (Number.isNaN(dueAt)) throw new RangeError(`timers.waitUntil(): invalid date ${JSON.stringify(date)}`);
    return waitTimer(currentExecution("timers.waitUntil()"), () => dueAt);
  },
};
