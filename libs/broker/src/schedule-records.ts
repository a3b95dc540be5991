import { parseDuration, type ScheduleRecord } from "@helmr/core";
import { DEFAULT_TIMEZONE, nextFireTimes, type ScheduleTiming } from "./schedule-times.ts";

/** A schedule as stored in the records hash (systems/schedules.ts); absent fields are null or false. */
export interface StoredSchedule {
  task: string;
  cron?: string;
  every?: number;
  tz: string;
  payload?: unknown;
  ext?: string;
  dedup?: string;
  session?: string;
  declared?: true;
  paused?: true;
  createdAt: number;
  updatedAt: number;
}

/** What a schedule's last fire started. */
export interface LastFire {
  runId: string;
  scheduledAt: number;
}

/** A stored schedule as the API shows it: `next` its next fire (null while paused), `shown` fire times ahead from it. */
export function scheduleRecord(id: string, stored: StoredSchedule, next: number | null, last: LastFire | null, shown: number): ScheduleRecord {
  const timing = timingOf({ cron: stored.cron, every: stored.every, timezone: stored.tz });
  const nextRuns = next === null ? [] : [next, ...nextFireTimes(timing, next, shown - 1)];
  return {
    id,
    task: stored.task,
    type: stored.declared ? "declared" : "imperative",
    cron: stored.cron ?? null,
    every: stored.every ?? null,
    timezone: stored.tz,
    payload: stored.payload ?? null,
    externalId: stored.ext ?? null,
    deduplicationKey: stored.dedup ?? null,
    sessionId: stored.session ?? null,
    status: stored.paused ? "paused" : "active",
    nextRunAt: next === null ? null : new Date(next).toISOString(),
    nextRuns: nextRuns.map((at) => new Date(at).toISOString()),
    lastRun: last ? { runId: last.runId, scheduledAt: new Date(last.scheduledAt).toISOString() } : null,
    createdAt: new Date(stored.createdAt).toISOString(),
    updatedAt: new Date(stored.updatedAt).toISOString(),
  };
}

/** A body's or a declaration's timing, the zone defaulting to UTC and `every` in ms. */
export function timingOf(source: { cron?: string; every?: string | number; timezone?: string }): ScheduleTiming {
  const timezone = source.timezone ?? DEFAULT_TIMEZONE;
  return source.cron !== undefined ? { cron: source.cron.trim(), timezone } : { every: parseDuration(source.every ?? 0), timezone };
}

export function storedTiming(timing: ScheduleTiming): Pick<StoredSchedule, "cron" | "every" | "tz"> {
  return timing.cron !== undefined ? { cron: timing.cron, tz: timing.timezone } : { every: timing.every, tz: timing.timezone };
}

export function withoutTiming(stored: StoredSchedule): Omit<StoredSchedule, "cron" | "every" | "tz"> {
  const { cron: _cron, every: _every, tz: _tz, ...rest } = stored;
  return rest;
}

export function sameTiming(stored: StoredSchedule, timing: Pick<StoredSchedule, "cron" | "every" | "tz">): boolean {
  return stored.cron === timing.cron && stored.every === timing.every && stored.tz === timing.tz;
}
