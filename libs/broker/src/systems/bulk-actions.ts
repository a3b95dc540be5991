import {
  type BulkActionKind,
  type BulkActionRecord,
  type BulkDryRun,
  CANCELLABLE_STATUSES,
  HelmrError,
  invalid,
  isoTime,
  newBulkActionId,
  type RunFilter,
} from "@helmr/core";
import { Queue } from "bullmq";
import type { ChainableCommander } from "ioredis";
import { logDistinctErrors, settlesWithin } from "../closing.ts";
import { FAN_OUT_AT_ONCE, forEachAtMost } from "../at-most.ts";
import { type OwnWorker, startOwnWorker } from "../own-worker.ts";
import type { Resources } from "../resources.ts";
import { type Selection, selectRuns } from "../run-selection.ts";
import type { RecoverySystem } from "./recovery.ts";
import type { RunsSystem } from "./runs.ts";

/** The BullMQ queue whose jobs carry bulk actions, one job an action (by its id). */
export const BULK_ACTIONS_QUEUE = "actions";
/** How long a finished action's record is kept. */
const KEEP_MS = 7 * 24 * 3_600_000;
/** Failures an action's record lists (it counts them all). */
const ERRORS_KEPT = 20;
/** Run ids a dry run shows. */
const SAMPLE_SIZE = 20;
/** A job whose process keeps failing (Redis gone, say) is tried this often, a little longer apart each time, before its action is marked failed. */
const JOB_ATTEMPTS = 8;

export interface BulkActionRequest {
  filter: RunFilter;
  /** A cancel's reason, recorded on each run. */
  reason?: string;
}

type Outcome = "succeeded" | "skipped" | "failed";

/**
 * Bulk actions: cancel or replay every run a filter selects. A dry run counts the runs and
 * changes nothing. The action itself is a record (keys.ts, `bulkActions`) and a BullMQ job
 * that API processes take (`serve`): the job counts the selection, then walks it a page at
 * a time (run-selection.ts), writing the page's counts and the cursor after it together,
 * so a job whose process died resumes at the page it was on. A cancel done twice is still
 * one cancel, and a replay carries an idempotency key naming the action and the run, so a
 * page done again makes no second replay. Runs created after the action began are never
 * selected: its own replays, and triggers that came later.
 */
export class BulkActionsSystem {
  private queueOfActions?: Queue;
  private served?: OwnWorker<{ id: string }>;

  constructor(
    private readonly resources: Resources,
    private readonly runs: RunsSystem,
    private readonly recovery: RecoverySystem,
  ) {}

  private get queue(): Queue {
    if (!this.queueOfActions) {
      this.queueOfActions = new Queue(BULK_ACTIONS_QUEUE, { connection: this.resources.queueConnection, prefix: this.resources.keys.bulkActionsQueuePrefix() });
      this.queueOfActions.on("error", logDistinctErrors(this.resources.logger, "bulk actions queue error"));
    }
    return this.queueOfActions;
  }

  /** How many runs the action would apply to now, and the newest few of them. */
  async dryRun(action: BulkActionKind, request: BulkActionRequest, now = Date.now()): Promise<BulkDryRun> {
    let count = 0;
    const sample: string[] = [];
    for await (const page of selectRuns(this.resources, selectionOf(action, request.filter, now))) {
      count += page.ids.length;
      sample.push(...page.ids.slice(0, SAMPLE_SIZE - sample.length));
    }
    return { action, dryRun: true, count, sample };
  }

  /** Records the action and queues its job; its progress is read with `retrieve`. */
  async start(action: BulkActionKind, request: BulkActionRequest, now = Date.now()): Promise<BulkActionRecord> {
    selectionOf(action, request.filter, now);
    const { redis, keys } = this.resources;
    const id = newBulkActionId();
    await redis
      .multi()
      .hset(keys.bulkActions(`a:${id}`), {
        action,
        filter: JSON.stringify(request.filter),
        ...(request.reason ? { reason: request.reason } : {}),
        status: "running",
        createdAt: now,
        processed: 0,
        succeeded: 0,
        skipped: 0,
        failed: 0,
        errors: "[]",
      })
      .zadd(keys.bulkActions("order"), now, id)
      .zremrangebyscore(keys.bulkActions("order"), "-inf", now - KEEP_MS)
      .exec();
    await this.queue.add(
      action,
      { id },
      { jobId: id, attempts: JOB_ATTEMPTS, backoff: { type: "exponential", delay: 1_000 }, removeOnComplete: true, removeOnFail: true },
    );
    return this.retrieve(id);
  }

  async retrieve(id: string): Promise<BulkActionRecord> {
    const record = /^bulk_[0-9A-Z]{16}$/.test(id) ? recordOf(id, await this.resources.redis.hgetall(this.resources.keys.bulkActions(`a:${id}`))) : null;
    if (!record) throw new HelmrError("not_found", "bulk_action_not_found", `Bulk action ${id} was not found; a finished action is kept for a week`);
    return record;
  }

  /** The actions of the last week, newest first. */
  async list(limit = 50): Promise<BulkActionRecord[]> {
    const { redis, keys } = this.resources;
    const ids = await redis.zrevrange(keys.bulkActions("order"), 0, limit - 1);
    const reads = redis.pipeline();
    for (const id of ids) reads.hgetall(keys.bulkActions(`a:${id}`));
    const hashes = ((await reads.exec()) ?? []).map(([, hash]) => hash as Record<string, string>);
    return ids.map((id, i) => recordOf(id, hashes[i])).filter((record) => record !== null);
  }

  /** Takes bulk actions' jobs in this process (API processes do), one at a time. */
  async serve(): Promise<void> {
    if (this.served) return;
    const { logger, keys } = this.resources;
    this.served = await startOwnWorker<{ id: string }>(this.resources, {
      queue: BULK_ACTIONS_QUEUE,
      prefix: keys.bulkActionsQueuePrefix(),
      role: "bulk-actions",
      process: (job) => this.execute(job.data.id),
      concurrency: 1,
    });
    this.served.worker.on("failed", (job, error) => {
      if (!job || job.attemptsMade < JOB_ATTEMPTS) return;
      logger.error({ err: error, bulkAction: job.data.id }, "a bulk action failed; the runs it reached stay as it left them");
      void this.finish(job.data.id, "failed").catch(() => {});
    });
  }

  /** Lets the page in hand finish (for 5 s at most) when Redis answers; stops at once when it does not (the job is taken again). */
  async close(redisAnswers: boolean): Promise<void> {
    await this.served?.close(redisAnswers);
    await settlesWithin(this.queueOfActions?.close() ?? Promise.resolve(), 1_000);
  }

  /** Runs an action's job from where its record says it is. */
  private async execute(id: string): Promise<void> {
    const { redis, keys } = this.resources;
    const key = keys.bulkActions(`a:${id}`);
    const stored = await redis.hgetall(key);
    if (stored.status !== "running") return;
    const action = stored.action as BulkActionKind;
    const selection = selectionOf(action, JSON.parse(stored.filter) as RunFilter, Number(stored.createdAt));
    if (stored.total === undefined) {
      let total = 0;
      for await (const page of selectRuns(this.resources, selection)) total += page.ids.length;
      await redis.hset(key, "total", total);
    }
    const errors = JSON.parse(stored.errors ?? "[]") as { runId: string; message: string }[];
    const start = stored.cursor || undefined;
    for await (const page of selectRuns(this.resources, selection, start)) {
      const counts: Record<Outcome, number> = { succeeded: 0, skipped: 0, failed: 0 };
      await forEachAtMost(FAN_OUT_AT_ONCE, page.ids, async (runId) => {
        const outcome = await this.apply(id, action, runId, stored.reason).catch((error: Error) => {
          if (errors.length < ERRORS_KEPT) errors.push({ runId, message: error.message });
          return "failed" as const;
        });
        counts[outcome]++;
      });
      await this.resources.hooks.racepoint?.("bulkActions.pageDone", { jobId: id });
      const progress = redis
        .multi()
        .hincrby(key, "processed", page.ids.length)
        .hincrby(key, "succeeded", counts.succeeded)
        .hincrby(key, "skipped", counts.skipped)
        .hincrby(key, "failed", counts.failed)
        .hset(key, "errors", JSON.stringify(errors), "cursor", page.cursor ?? "");
      // The last page ends the action in the same transaction: a job taken again after it finds it done.
      await (page.cursor === null ? this.finishing(progress, key, "completed") : progress).exec();
    }
  }

  private async apply(id: string, action: BulkActionKind, runId: string, reason: string | undefined): Promise<Outcome> {
    try {
      if (action === "cancel") await this.runs.cancel(runId, reason ?? `cancelled by bulk action ${id}`);
      else await this.recovery.replay(runId, { idempotencyKey: `bulk:${id}:${runId}` });
      return "succeeded";
    } catch (error) {
      // A run that ended, or was deleted, since it was selected: nothing left to do to it.
      if (HelmrError.is(error) && (error.code === "run_finished" || (error.kind === "not_found" && error.code !== "task_not_found"))) return "skipped";
      throw error;
    }
  }

  private async finish(id: string, status: "completed" | "failed"): Promise<void> {
    const key = this.resources.keys.bulkActions(`a:${id}`);
    await this.finishing(this.resources.redis.multi(), key, status).exec();
  }

  private finishing<T extends ChainableCommander>(transaction: T, key: string, status: "completed" | "failed"): T {
    transaction.hset(key, "status", status, "finishedAt", Date.now()).pexpire(key, KEEP_MS);
    return transaction;
  }
}

/** What an action selects: a cancel only the runs that have not ended, and never a run created after it began. */
function selectionOf(action: BulkActionKind, filter: RunFilter, createdUpTo: number): Selection {
  if (action !== "cancel") return { filter, createdUpTo };
  if (filter.status !== undefined && !(CANCELLABLE_STATUSES as readonly string[]).includes(filter.status)) {
    const message = `A bulk cancel selects runs that have not ended (${CANCELLABLE_STATUSES.join(", ")}); status "${filter.status}" has nothing to cancel`;
    throw invalid(message, [{ path: "/filter/status", message: `is ${filter.status}, which no run can be cancelled in` }]);
  }
  return { filter, statuses: CANCELLABLE_STATUSES, createdUpTo };
}

function recordOf(id: string, hash: Record<string, string>): BulkActionRecord | null {
  if (!hash.status) return null;
  const total = hash.total === undefined ? null : Number(hash.total);
  return {
    id,
    action: hash.action as BulkActionKind,
    status: hash.status as BulkActionRecord["status"],
    filter: JSON.parse(hash.filter),
    total,
    processed: Number(hash.processed),
    succeeded: Number(hash.succeeded),
    skipped: Number(hash.skipped),
    failed: Number(hash.failed),
    errors: JSON.parse(hash.errors ?? "[]"),
    createdAt: isoTime(hash.createdAt)!,
    finishedAt: isoTime(hash.finishedAt),
  };
}
