import type { RunJob } from "@helmr/core";
import type { ChainableCommander, Redis } from "ioredis";
import type { Resources } from "../resources.ts";
import { runJobOptions, type WarmWorkers } from "./warm-workers.ts";

/** How long an outbox entry may wait before the sweeper assumes its writer died. */
export const OUTBOX_GRACE_MS = 5_000;

/**
 * Adds the BullMQ jobs that execute and wake runs. A run's hash names the one job it
 * expects next (`job`, due at `runAt`), and job ids are deterministic, so adding it again
 * is harmless: any process that is unsure whether a job exists simply ensures it.
 *
 * An API process writes an outbox entry before a script resolves a run to `queued` and
 * removes it after the job is added; the sweeper (outbox-sweeper.ts) re-ensures entries
 * older than the grace period (ARCHITECTURE.md invariant 3). Workers need no outbox: a worker that dies before adding
 * its next job leaves its current job active, and BullMQ hands that job to another worker,
 * which learns the expected job from `startExecution` and ensures it.
 */
export class DispatchSystem {
  constructor(
    private readonly resources: Resources,
    private readonly warm: WarmWorkers,
  ) {}

  /**
   * The write-ahead outbox entry, sent before the script that resolves a run (see
   * runsOfIntent), on a pipeline or on the connection that then sends that script.
   */
  markIntent(target: ChainableCommander, intent: string, now?: number): ChainableCommander;
  markIntent(target: Redis, intent: string, now?: number): Promise<number>;
  markIntent(target: ChainableCommander | Redis, intent: string, now = Date.now()): ChainableCommander | Promise<number> {
    return target.zadd(this.resources.keys.dispatchOutbox(), now, intent);
  }

  /**
   * Not awaited by callers on the hot path: if it is lost, the sweeper finds the run's
   * job already there and drops the entry.
   */
  clearIntent(intent: string): Promise<void> {
    return this.resources.redis.zrem(this.resources.keys.dispatchOutbox(), intent).then(
      () => {},
      (error) => this.resources.logger.warn({ err: error, intent }, "could not clear an outbox entry; the sweeper will"),
    );
  }

  /**
   * Adds a run's job: to the queue of the worker that keeps the run warm (`warmWorker`)
   * while that worker is alive, otherwise to the shared runs queue (warm-workers.ts).
   */
  async ensureJob(job: RunJob, jobId: string, runAt: number, warmWorker = ""): Promise<void> {
    await this.resources.hooks.beforeDispatch?.(job.runId);
    const delay = Math.max(0, runAt - Date.now());
    const queue = await this.warm.queueFor(warmWorker);
    await queue.add("run", job, { ...runJobOptions(), jobId, delay });
  }

  /** Ensures the job a run's state says it expects, if it expects one. */
  async ensureFromRunState(runId: string): Promise<boolean> {
    const [status, jobId, runAt, taskId] = await this.resources.redis.hmget(this.resources.keys.run(runId), "status", "job", "runAt", "task");
    if ((status !== "queued" && status !== "waiting") || !jobId || !taskId) return false;
    await this.ensureJob({ runId, taskId }, jobId, Number(runAt ?? 0));
    return true;
  }
}
