import { z } from "zod";
import { DurationInput } from "./api.ts";
import { Cursor, ExternalKey, Name, PageLimit } from "./limits.ts";
import { Time } from "./time.ts";

/**
 * Schedules: runs of a task started on a clock (broker systems/schedules.ts). The cron
 * expression and the time zone are checked by the broker, which parses them (422 at
 * `/cron`, `/timezone`); here they are only bounded.
 */

/** 5 fields (minute first) or 6 (second first), as cron-parser reads them. */
const Cron = z.string().min(1).max(128).describe('A cron expression: 5 fields, or 6 with seconds first ("*/10 * * * * *"); in `timezone`');
/** An IANA time zone name. */
const TimeZone = z.string().min(1).max(64).describe('An IANA time zone ("Europe/Paris"); UTC when left out');
const Every = DurationInput.describe('Fire every this long ("15m", ms), from when the schedule is created');

export const CreateScheduleBody = z
  .strictObject({
    task: Name.describe("The task each fire triggers"),
    cron: Cron.optional(),
    every: Every.optional(),
    timezone: TimeZone.optional(),
    payload: z.unknown().optional().describe("The payload of every run it starts"),
    externalId: ExternalKey.optional().describe("Yours to find it by: a customer, a user, an account"),
    deduplicationKey: ExternalKey.optional().describe("A create with the key of a schedule that exists updates that one instead (200)"),
    sessionId: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe("Its runs run in this session (erasing the session deletes the schedule); a new session each by default"),
  })
  .refine((body) => (body.cron === undefined) !== (body.every === undefined), { message: "takes a cron or an every, one of them", path: ["cron"] });
export type CreateScheduleBody = z.infer<typeof CreateScheduleBody>;

/** A field left out stays as it is; a cron replaces an every and the other way round. */
export const UpdateScheduleBody = z
  .strictObject({
    cron: Cron.optional(),
    every: Every.optional(),
    timezone: TimeZone.optional(),
    payload: z.unknown().optional(),
    externalId: ExternalKey.nullable().optional(),
  })
  .refine((body) => body.cron === undefined || body.every === undefined, { message: "takes a cron or an every, not both", path: ["cron"] });
export type UpdateScheduleBody = z.infer<typeof UpdateScheduleBody>;

export const ScheduleListQuery = z.object({
  task: Name.optional(),
  externalId: ExternalKey.optional(),
  limit: PageLimit,
  cursor: Cursor,
});
export type ScheduleListQuery = z.infer<typeof ScheduleListQuery>;

export const ScheduleRecord = z.strictObject({
  id: z.string().describe("`sched_...` for one created at runtime; the task's id for one its code declares"),
  task: z.string(),
  type: z.enum(["declared", "imperative"]).describe("declared: by its task's code (schedules.task), changed by deploys; imperative: created over the API"),
  cron: z.string().nullable(),
  every: z.number().int().nullable().describe("ms"),
  timezone: z.string(),
  payload: z.unknown(),
  externalId: z.string().nullable(),
  deduplicationKey: z.string().nullable(),
  sessionId: z.string().nullable(),
  status: z.enum(["active", "paused"]),
  nextRunAt: Time.nullable().describe("When it fires next (null while paused)"),
  nextRuns: z.array(Time).describe("Its next fire times, the first being nextRunAt (empty while paused)"),
  lastRun: z.strictObject({ runId: z.string(), scheduledAt: Time }).nullable().describe("The run its last fire started"),
  createdAt: Time,
  updatedAt: Time,
});
export type ScheduleRecord = z.infer<typeof ScheduleRecord>;

/** What a run a schedule started knows of it (`ctx.schedule`); stored on the run. */
export const ScheduleContext = z.strictObject({
  id: z.string(),
  externalId: z.string().nullable(),
  scheduledAt: Time.describe("The fire time this run is for (a late fire still names its own)"),
  lastScheduledAt: Time.nullable().describe("The fire time of the schedule's fire before this one; null for its first"),
});
export type ScheduleContext = z.infer<typeof ScheduleContext>;
