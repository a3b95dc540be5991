import { z } from "zod";
import { RunStatus } from "./api.ts";
import { Name, VersionName } from "./limits.ts";
import { Time } from "./time.ts";

/**
 * Bulk actions: cancel or replay every run a filter selects (broker systems/bulk-actions.ts),
 * after an incident. A dry run answers how many runs it selects and changes nothing; the
 * action itself runs as a job whose progress is read back.
 */

/** The statuses a cancel applies to: a run that ended has nothing to cancel. */
export const CANCELLABLE_STATUSES = ["delayed", "queued", "running", "waiting"] as const;

export const RunFilter = z
  .strictObject({
    task: Name.optional().describe("Runs of this task"),
    status: RunStatus.optional().describe("Runs in this status"),
    session: z.string().min(1).max(64).optional().describe("Runs of this session"),
    tag: z.string().min(1).max(64).optional().describe("Runs whose session has this tag"),
    version: VersionName.optional().describe("Runs on this version of the task code"),
    createdAfter: z.iso.datetime({ offset: true }).optional().describe("Runs created at or after this time"),
    createdBefore: z.iso.datetime({ offset: true }).optional().describe("Runs created before this time"),
  })
  .refine((filter) => Object.keys(filter).length > 0, "names at least one of task, status, session, tag, version, createdAfter, createdBefore");
export type RunFilter = z.infer<typeof RunFilter>;

const DryRun = z.boolean().optional().describe("Answer how many runs the filter selects (and a few of their ids), and change nothing");

export const BulkCancelBody = z.strictObject({
  filter: RunFilter.describe("The runs to cancel; only delayed, queued, running and waiting runs are selected"),
  dryRun: DryRun,
  reason: z.string().min(1).max(500).optional().describe("Why, recorded on each cancelled run"),
});
export type BulkCancelBody = z.infer<typeof BulkCancelBody>;

export const BulkReplayBody = z.strictObject({
  filter: RunFilter.describe("The runs to replay: each gets a new run of its task with its payload, in a new session, naming it (replayOf)"),
  dryRun: DryRun,
});
export type BulkReplayBody = z.infer<typeof BulkReplayBody>;

export const BulkActionKind = z.enum(["cancel", "replay"]);
export type BulkActionKind = z.infer<typeof BulkActionKind>;

export const BulkDryRun = z.strictObject({
  action: BulkActionKind,
  dryRun: z.literal(true),
  count: z.number().int().describe("How many runs the action would apply to now"),
  sample: z.array(z.string()).describe("The newest of those runs' ids, at most 20"),
});
export type BulkDryRun = z.infer<typeof BulkDryRun>;

export const BulkActionRecord = z.strictObject({
  id: z.string(),
  action: BulkActionKind,
  status: z.enum(["running", "completed", "failed"]),
  filter: z.record(z.string(), z.string()).describe("The filter as given"),
  total: z.number().int().nullable().describe("How many runs it selected, once counted"),
  processed: z.number().int().describe("Runs done so far: succeeded + skipped + failed"),
  succeeded: z.number().int().describe("Runs cancelled, or replayed"),
  skipped: z.number().int().describe("Runs that ended (or were deleted) before the action reached them"),
  failed: z.number().int(),
  errors: z.array(z.strictObject({ runId: z.string(), message: z.string() })).describe("The first 20 failures"),
  createdAt: Time,
  finishedAt: Time.nullable(),
});
export type BulkActionRecord = z.infer<typeof BulkActionRecord>;
