import type { RunJob } from "@helmr/core";
import type { ChainableCommander, Redis } from "ioredis";
import type { Resources } from "../resources.ts";
import { activeRunIds } from "./sessions.ts";

/** How long an outbox entry may wait before the sweeper assumes its writer died. */
export const OUTBOX_GRACE_MS = 5_000;

/**
 * Adds the BullMQ jobs that execute and wake runs. A run's hash names the one job it
 * expects next (`job`, due at `runAt`), and job ids are deterministic, so adding it again
 * is harmless: any process that is unsure whether a job exists simply ensures it.
 *
 * An API process writes an outbox entry before a script resolves a run to `queued` and
 * removes it after the job is added; the sweeper re-ensures entries older than the grace
 * period (ARCHITECTURE.md invariant 3). Workers need no outbox: a worker that dies before adding
 * its next job leaves its current job active, and BullMQ hands that job to another worker,
 * which learns the expected job from `startExecution` and ensures it.
 */
export class DispatchSystem {
  /** Set by the engine: resumes the run waiting on a completed token and names it (tokens.ts). */
  settleToken?: (tokenId: string) => Promise<string | null>;

  constructor(private readonly resources: Resources) {}

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

  async ensureJob(job: RunJob, jobId: string, runAt: number): Promise<void> {
    await this.resources.hooks.beforeDispatch?.(job.runId);
    const delay = Math.max(0, runAt - Date.now());
    await this.resources.runsQueue.add("run", job, {
      jobId,
      delay,
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
      // Infrastructure failures (Redis hiccups in the processor) retry the same job;
      // task errors never fail a BullMQ job, they are attempts of the run (runs.ts).
      attempts: 20,
      backoff: { type: "exponential", delay: 200 },
    });
  }

  /** Ensures the job a run's state says it expects, if it expects one. */
  async ensureFromRunState(runId: string): Promise<boolean> {
    const [status, jobId, runAt, taskId] = await this.resources.redis.hmget(this.resources.keys.run(runId), "status", "job", "runAt", "task");
    if ((status !== "queued" && status !== "waiting") || !jobId || !taskId) return false;
    await this.ensureJob({ runId, taskId }, jobId, Number(runAt ?? 0));
    return true;
  }

  /**
   * An intent is a run id (a trigger), `<sessionId>:<nonce>` (an input delivery, whose
   * run is only known once the script ran: every active run of the session is checked), or
   * a token id (a completion: its waiting run is resolved).
   */
  private async runsOfIntent(intent: string): Promise<string[]> {
    if (intent.startsWith("tok_")) {
      const runId = await this.settleToken?.(intent);
      return runId ? [runId] : [];
    }
    if (!intent.startsWith("ses_")) return [intent];
    const sessionId = intent.slice(0, intent.indexOf(":"));
    return activeRunIds(sessionId, await this.resources.redis.hkeys(this.resources.keys.sessionActiveRuns(sessionId)));
  }

  /** One sweep of the outbox; returns how many runs it re-dispatched. */
  async sweep(now = Date.now()): Promise<number> {
    const { redis, keys, logger } = this.resources;
    const lock = await redis.set(keys.sweeperLock(), String(process.pid), "PX", OUTBOX_GRACE_MS, "NX");
    if (lock !== "OK") return 0;
    let dispatched = 0;
    const stale = await redis.zrangebyscore(keys.dispatchOutbox(), 0, now - OUTBOX_GRACE_MS, "LIMIT", 0, 500);
    for (const intent of stale) {
      try {
        for (const runId of await this.runsOfIntent(intent)) if (await this.ensureFromRunState(runId)) dispatched++;
        await redis.zrem(keys.dispatchOutbox(), intent);
      } catch (error) {
        logger.error({ err: error, intent }, "outbox sweep could not dispatch a run; will retry");
      }
    }
    // Adding a job that exists changes nothing, so these are runs whose dispatch was either
    // lost (a process died) or only slow to confirm (a loaded Redis).
    if (dispatched) logger.warn({ dispatched }, `outbox sweep ensured the jobs of runs whose dispatch was not confirmed within ${OUTBOX_GRACE_MS} ms`);
    return dispatched;
  }
}
