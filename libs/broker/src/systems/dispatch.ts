import { randomBytes } from "node:crypto";
import type { RunBatchJob, RunJob } from "@helmr/core";
import type { Queue } from "bullmq";
import type { ChainableCommander, Redis } from "ioredis";
import type { Resources } from "../resources.ts";
import { ReplicationGuard } from "../replication.ts";
import { groupByKey } from "../shards.ts";
import { activeTraceparent, tracingOn } from "../tracing.ts";
import { runJobOptions, type WarmWorkersSystem } from "./warm-workers.ts";

/** A queue and task with an add on its way (DispatchSystem.addSoon): it exists only meanwhile. */
interface DispatchLane {
  waiting: { entry: RunBatchJob["batch"][number]; resolve: () => void; reject: (error: unknown) => void }[];
}

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
  /** Per queue and task with an add on its way: the jobs due now that wait for it to finish. */
  private readonly lanes = new Map<string, DispatchLane>();

  constructor(
    private readonly resources: Resources,
    private readonly warm: WarmWorkersSystem,
  ) {}

  /**
   * The write-ahead outbox entry, sent before the script that resolves a run (see
   * runsOfIntent), on a pipeline or on the connection that then sends that script.
   */
  markIntent(target: ChainableCommander, intent: string, now?: number): ChainableCommander;
  markIntent(target: Redis, intent: string, now?: number): Promise<number>;
  markIntent(target: ChainableCommander | Redis, intent: string, now = Date.now()): ChainableCommander | Promise<number> {
    return target.zadd(this.resources.keys.outboxOf(intent), now, intent);
  }

  /**
   * With HELMR_REDIS_WAIT_REPLICAS, what confirms an acknowledged operation's writes with
   * the replicas (replication.ts); taken as the operation begins. Without, it confirms at once.
   */
  replicationGuard(): ReplicationGuard {
    const { redis, queueConnection, waitReplicas } = this.resources;
    return new ReplicationGuard([redis, queueConnection], waitReplicas);
  }

  /**
   * Ends an operation whose runs' jobs are added: once the replicas hold its writes, its
   * outbox entry goes. If they do not confirm (503), the entry stays for the sweeper, and
   * this process adds the runs' jobs again itself until the replicas confirm them: the
   * outbox entry may have been lost with the master that also held the job, while the
   * run's state, on another master, survived.
   */
  async settleIntent(guard: ReplicationGuard, intent: string, runIds: string[] = []): Promise<void> {
    try {
      await guard.confirm();
    } catch (error) {
      for (const runId of runIds) void this.redispatchAfterFailover(runId);
      throw error;
    }
    void this.clearIntent(intent);
  }

  /**
   * Adds the job of a run a script just resumed. If that fails (its queue's master failing
   * over, say), the run, resumed, still needs it: besides the outbox entry (which may have
   * failed or been lost with that master too), this process adds it again until it sticks.
   * `superseded`: the resumed wait's own wake-up job (its timer or timeout), removed once
   * the resume's job is in: left, it would sit delayed until its due time, days maybe,
   * only to find its run gone on. `resumed`: the wait it ended, which a traced dispatch
   * hands the execution (the span of its parked interval, the link to this request).
   */
  async ensureJobOfResumed(job: RunJob, jobId: string, warmWorker?: string, superseded = "", resumed?: ResumeTrace): Promise<void> {
    try {
      await this.ensureJob(resumed && tracingOn() ? withResumeTrace(job, resumed) : job, jobId, 0, warmWorker);
    } catch (error) {
      void this.redispatchAfterFailover(job.runId);
      throw error;
    }
    if (superseded) void this.removeJob(job.runId, job.version ?? "", superseded, warmWorker);
  }

  /**
   * Removes a job a run no longer expects (the wake-up job of a wait that ended otherwise)
   * from wherever it may be: the warm queue it was added to, or the shared queue the rescue
   * moved it to. A job a worker has taken (locked) stays and finds itself stale when it
   * runs; failing here only leaves the job to do that at its due time.
   */
  async removeJob(runId: string, version: string, jobId: string, warmWorker = ""): Promise<void> {
    const queues = [this.resources.runsQueueOf(runId, version), ...(warmWorker ? [this.warm.queueOf(warmWorker)] : [])];
    await Promise.all(queues.map((queue) => queue.remove(jobId))).catch((error) =>
      this.resources.logger.debug({ err: error, jobId }, "could not remove a superseded job; it runs stale at its due time"),
    );
  }

  /** Ensures a run's expected job until the replicas hold it, for a minute at most (settleIntent). */
  private async redispatchAfterFailover(runId: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      try {
        const guard = this.replicationGuard();
        await this.ensureFromRunState(runId);
        await guard.confirm();
        return;
      } catch {
        // The cluster is still failing over: try again.
      }
    }
    this.resources.logger.error(
      { runId },
      "could not confirm a run's job with the replicas for a minute after a failover; the outbox sweeper adds it if its entry survived",
    );
  }

  /**
   * Not awaited by callers on the hot path: if it is lost, the sweeper finds the run's
   * job already there and drops the entry. Entries cleared in one turn of the event loop
   * go in one ZREM.
   */
  clearIntent(intent: string): Promise<void> {
    if (this.clearing.length === 0) {
      this.cleared = new Promise((resolve) =>
        setImmediate(() => {
          const intents = this.clearing;
          this.clearing = [];
          // A ZREM per shard's outbox, not a pipeline: building one costs more than the
          // command itself on this path of every resume.
          const { redis, keys } = this.resources;
          Promise.all([...groupByKey(intents, (each) => keys.outboxOf(each))].map(([outbox, ofShard]) => redis.zrem(outbox, ...ofShard))).then(
            () => resolve(),
            (error) => {
              this.resources.logger.warn({ err: error, intents: intents.length }, "could not clear outbox entries; the sweeper will");
              resolve();
            },
          );
        }),
      );
    }
    this.clearing.push(intent);
    return this.cleared;
  }

  private clearing: string[] = [];
  private cleared: Promise<void> = Promise.resolve();

  /**
   * Adds a run's job: to the queue of the worker that keeps the run warm (`warmWorker`)
   * while that worker is alive, otherwise to the shared runs queue of the run's version
   * (`job.version`; warm-workers.ts), which only that version's workers take.
   */
  async ensureJob(job: RunJob, jobId: string, runAt: number, warmWorker = ""): Promise<void> {
    await this.resources.hooks.beforeDispatch?.(job.runId);
    const delay = Math.max(0, runAt - Date.now());
    const version = job.version ?? "";
    const queue = await this.warm.queueFor(warmWorker, job.runId, version);
    // A run with a priority goes as a job of its own, which BullMQ takes after the jobs with none (0, the first).
    const priority = job.flow?.priority;
    if (delay > 0 || priority) await queue.add("run", job, { ...runJobOptions(), jobId, ...(delay > 0 ? { delay } : {}), ...(priority ? { priority } : {}) });
    else await this.addSoon(queue, job, jobId);
    const { racepoint } = this.resources.hooks;
    if (racepoint && queue !== this.resources.runsQueueOf(job.runId, version))
      await racepoint("dispatch.warmJobAdded", { runId: job.runId, jobId, warmWorker });
  }

  /**
   * Under load, several runs' jobs share one BullMQ job: while an add to a queue for a task
   * is on its way, the jobs due now for the same queue and task wait, and go together in the
   * next add (RunBatchJob). Idle, a job goes at once, as itself under its own id; busy, a
   * burst of resumes costs BullMQ one add, fetch and completion per batch, not per run.
   * Either way each run's state names its job's id, and its execution is fenced as always.
   */
  private addSoon(queue: Queue, job: RunJob, jobId: string): Promise<void> {
    // A queue is one version's (or a warm worker's, which runs one), so a batch is of one version.
    const key = `${queue.qualifiedName}\n${job.taskId}`;
    const entry = {
      runId: job.runId,
      jobId,
      ...(job.start ? { start: job.start } : {}),
      ...(job.flow ? { flow: job.flow } : {}),
      ...(job.trace ? { trace: job.trace } : {}),
    };
    const lane = this.lanes.get(key);
    if (lane) {
      const queued = new Promise<void>((resolve, reject) => lane.waiting.push({ entry, resolve, reject }));
      void this.resources.hooks.racepoint?.("dispatch.jobWaits", { runId: job.runId, jobId });
      return queued;
    }
    const started: DispatchLane = { waiting: [] };
    this.lanes.set(key, started);
    return this.addBatch(queue, job, key, started, [entry]);
  }

  private addBatch(queue: Queue, first: RunJob, key: string, lane: DispatchLane, entries: RunBatchJob["batch"]): Promise<void> {
    const { racepoint } = this.resources.hooks;
    const { taskId } = first;
    const version = first.version ? { version: first.version } : {};
    const add = () =>
      entries.length === 1
        ? queue.add("run", runJobOf(taskId, version, entries[0]), {
            ...runJobOptions(),
            jobId: entries[0].jobId,
          })
        : queue.add("runs", { taskId, ...version, batch: entries } satisfies RunBatchJob, {
            ...runJobOptions(),
            jobId: `batch-${randomBytes(8).toString("hex")}`,
          });
    const added = racepoint ? Promise.resolve(racepoint("dispatch.addGoing", { runId: entries[0].runId, jobId: entries[0].jobId })).then(add) : add();
    const done = added.then(() => {});
    // Whatever gathered meanwhile goes next, in one add.
    const next = () => {
      const waiting = lane.waiting.splice(0);
      // Idle again: the lane goes (a queue of a worker that left is never written again).
      if (waiting.length === 0) {
        this.lanes.delete(key);
        return;
      }
      this.addBatch(
        queue,
        first,
        key,
        lane,
        waiting.map((w) => w.entry),
      ).then(
        () => {
          for (const w of waiting) w.resolve();
        },
        (error) => {
          for (const w of waiting) w.reject(error);
        },
      );
    };
    done.then(next, next);
    return done;
  }

  /** Ensures the job a run's state says it expects, if it expects one. */
  async ensureFromRunState(runId: string): Promise<boolean> {
    const [status, jobId, runAt, taskId, version, flow] = await this.resources.redis.hmget(
      this.resources.keys.run(runId),
      "status",
      "job",
      "runAt",
      "task",
      "ver",
      "flow",
    );
    if ((status !== "queued" && status !== "waiting") || !jobId || !taskId) return false;
    await this.ensureJob({ runId, taskId, ...(version ? { version } : {}), flow: flow ? JSON.parse(flow) : {} }, jobId, Number(runAt ?? 0));
    return true;
  }
}

/** A batch's one entry as the job of its own it then goes as. */
function runJobOf(taskId: string, version: { version?: string }, { runId, start, flow, trace }: RunBatchJob["batch"][number]): RunJob {
  return { runId, taskId, ...version, ...(start ? { start } : {}), ...(flow ? { flow } : {}), ...(trace ? { trace } : {}) };
}

/** The wait a resume ended: when it began (ms), and what it waited on (kind, stream, correlationId, token, child run). */
export interface ResumeTrace {
  since: string | number;
  wait: Record<string, string>;
}

/** A resume's job with what its execution's spans need: the request it came from, and the wait it ended. */
function withResumeTrace(job: RunJob, { since, wait }: ResumeTrace): RunJob {
  const link = activeTraceparent();
  return { ...job, trace: { ...job.trace, ...(link ? { link } : {}), ...(since !== "" ? { waitedSince: Number(since) } : {}), wait } };
}
