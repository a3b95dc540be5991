import type { ScheduleRecord } from "@helmr/core";
import { fields, table } from "./table.ts";
import { relative } from "./time.ts";

/** When a schedule fires, in a word: its cron and zone, or its period. */
export function timingOf(schedule: ScheduleRecord): string {
  return schedule.cron !== null ? `${schedule.cron} (${schedule.timezone})` : `every ${schedule.every! / 1000}s`;
}

/** Schedules as `helmr schedule list` shows them. */
export function scheduleTable(schedules: ScheduleRecord[]): string {
  return table(
    ["SCHEDULE", "TASK", "WHEN", "STATUS", "NEXT", "EXTERNAL ID", "TYPE"],
    schedules.map((s) => [s.id, s.task, timingOf(s), s.status, relative(s.nextRunAt), s.externalId ?? "-", s.type]),
  );
}

/** One schedule, with its next fire times. */
export function describeSchedule(schedule: ScheduleRecord): string {
  return fields([
    ["schedule", schedule.id],
    ["task", schedule.task],
    ["when", timingOf(schedule)],
    ["status", schedule.status],
    ["type", schedule.type],
    ["externalId", schedule.externalId ?? "-"],
    ["session", schedule.sessionId ?? "-"],
    ["payload", JSON.stringify(schedule.payload)],
    ["last run", schedule.lastRun ? `${schedule.lastRun.runId} (for ${schedule.lastRun.scheduledAt})` : "-"],
    ["next fires", schedule.nextRuns.length ? schedule.nextRuns.join("\n") : "- (paused)"],
  ]);
}
