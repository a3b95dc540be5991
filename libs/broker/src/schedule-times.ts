import { type ErrorIssue, invalid } from "@helmr/core";
import cronParser from "cron-parser";

/**
 * When a schedule fires: the one reading of cron expressions and time zones, used to check
 * them, to show the next fire times, and (as BullMQ's repeatStrategy, systems/schedules.ts)
 * to fire, so what a schedule shows is what it does. cron-parser is the library BullMQ
 * reads cron with; it counts in the zone's wall clock, so across a daylight-saving change a
 * daily "0 9 * * *" stays at 9:00, a time the clock skips fires at the same time an hour
 * later that day (2:30 on a spring-forward night fires at 3:30), and a time the clock goes
 * through twice fires once (test/unit/schedule-times.test.ts).
 */

/** A schedule's timing: a cron in a zone, or every so many ms. */
export type ScheduleTiming = { cron: string; timezone: string; every?: undefined } | { every: number; timezone: string; cron?: undefined };

export const DEFAULT_TIMEZONE = "UTC";

/** Refuses a cron that does not parse or never fires, and a zone the runtime does not know (422, nothing stored). */
export function checkTiming(timing: ScheduleTiming): void {
  const issues: ErrorIssue[] = [];
  if (!isTimeZone(timing.timezone)) issues.push({ path: "/timezone", message: `is not an IANA time zone ("Europe/Paris", "UTC")` });
  else if (timing.cron !== undefined) {
    const problem = cronProblem(timing.cron, timing.timezone);
    if (problem) issues.push({ path: "/cron", message: problem });
  }
  if (timing.every !== undefined && timing.every < 1000) issues.push({ path: "/every", message: "must be at least 1s" });
  if (issues.length) throw invalid(`Invalid schedule: ${issues[0].path} ${issues[0].message}`, issues);
}

/** The next `count` fire times after `after` (ms, exclusive). */
export function nextFireTimes(timing: ScheduleTiming, after: number, count: number): number[] {
  if (timing.every !== undefined) return Array.from({ length: count }, (_, i) => after + (i + 1) * timing.every);
  const times: number[] = [];
  // next() alone: cron-parser's hasNext() moves its current date in place, near a daylight-saving change too.
  const interval = cronParser.parseExpression(timing.cron, { currentDate: new Date(after), tz: timing.timezone });
  for (let i = 0; i < count; i++) times.push(interval.next().getTime());
  return times;
}

/**
 * BullMQ's repeatStrategy for cron schedulers (`every` ones BullMQ times itself): the fire
 * after `millis`. Undefined (no next fire) for an expression that stopped parsing.
 */
export function nextCronFire(millis: number, options: { pattern?: string; tz?: string }): number | undefined {
  if (!options.pattern) return undefined;
  try {
    return nextFireTimes({ cron: options.pattern, timezone: options.tz ?? DEFAULT_TIMEZONE }, millis, 1)[0];
  } catch {
    return undefined;
  }
}

function cronProblem(cron: string, timezone: string): string | null {
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return `has ${fields} fields; a cron has 5 (minute hour day month weekday), or 6 with seconds first`;
  try {
    const interval = cronParser.parseExpression(cron, { tz: timezone });
    interval.next();
    return null;
  } catch (error) {
    return `is not a cron expression that fires: ${(error as Error).message}`;
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
