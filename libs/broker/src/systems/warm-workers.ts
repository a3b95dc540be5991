import type { RunBatchJob, RunJob } from "@helmr/core";
import { Queue, type Job } from "bullmq";
import { logDistinctErrors } from "../closing.ts";
import { queueScript } from "../lua/index.ts";
import { RUNS_QUEUE, type Resources } from "../resources.ts";
import { batch, execOrThrow } from "../pipelines.ts";
import { addIntents, dropIntents } from "../outbox.ts";

/** How long a worker's heartbeat lasts: one not renewed for this long is gone. */
export const WORKER_TTL_MS = 10_000;
/** How long a warm resume may wait in its worker's queue before any worker takes it by replay. */
export const WARM_DEADLINE_MS = 2_000;
/** How long a process trusts its view of which workers are alive. */
const LIVE_VIEW_MS = 1_000;
/**
 * How long after its heartbeat ended a worker's empty queue and entry are dropped: far
 * longer than any view that still names the worker may be used (refresh), so no add can
 * reach a queue that is being deleted.
 */
const FORGET_AFTER_MS = 60 * LIVE_VIEW_MS;
/** Jobs looked at per worker queue and rescue. */
const RESCUE_BATCH = 200;

/** What a worker runs, as it registers: the tasks it hosts, the version of their code, and when it started. */
export interface WorkerRegistration {
  tasks: string[];
  version: string;
  startedAt: number;
}

/** A registry entry; one written before versions was a bare list of tasks. */
function parseRegistration(json: string): WorkerRegistration {
  const parsed = JSON.parse(json) as WorkerRegistration | string[];
  return Array.isArray(parsed) ? { tasks: parsed, version: "", startedAt: 0 } : parsed;
}

/**
 * Where warm resumes go (libs/sdk/src/executor/ARCHITECTURE.md, "Warm resume"). Every
 * worker has a BullMQ queue of its own (`runs-w-<worker id>`) and a heartbeat in the
 * registry (`<prefix>:workers`, a sorted set: worker id to when its heartbeat runs out). A
 * resume of a run that a live worker keeps warm goes to that worker's queue, any other to
 * the shared runs queue of the run's version (the "shared queue" below). What a worker's queue holds past the deadline, or once the worker
 * is gone, is moved to the shared queue (`rescue`), where any worker resumes it by replay.
 */
export class WarmWorkersSystem {
  private readonly queues = new Map<string, Queue>();
  private live = new Set<string>();
  /** What each worker runs (its tasks, their version), as of the live view. */
  private hosted = new Map<string, WorkerRegistration>();
  private liveAt = 0;
  private refreshing?: Promise<void>;

  constructor(private readonly resources: Resources) {
    // A view from before a reconnect may name workers that died while Redis was away.
    resources.redis.on("ready", () => this.invalidateView());
  }

  /** The next resume asks Redis again which workers are alive. */
  invalidateView(): void {
    this.liveAt = 0;
  }

  static queueName(workerId: string): string {
    return `${RUNS_QUEUE}-w-${workerId}`;
  }

  /** The queue a run's job goes to: its warm worker's while that worker is alive, else the run's shard of its version's runs queues. */
  async queueFor(warmWorker: string, runId: string, version: string): Promise<Queue> {
    if (!warmWorker) return this.resources.runsQueueOf(runId, version);
    await this.freshView();
    return this.live.has(warmWorker) ? this.queueOf(warmWorker) : this.resources.runsQueueOf(runId, version);
  }

  /** The workers alive now and what each runs (systems/versions.ts). */
  async liveWorkers(): Promise<(WorkerRegistration & { workerId: string })[]> {
    await this.freshView();
    return [...this.live].map((workerId) => ({ workerId, ...(this.hosted.get(workerId) ?? { tasks: [], version: "", startedAt: 0 }) }));
  }

  /** The own queues of the workers alive now (for the metrics' counts of queued and running runs). */
  async liveQueues(): Promise<Queue[]> {
    await this.freshView();
    return [...this.live].map((id) => this.queueOf(id));
  }

  /** Renews a worker's heartbeat (and registers it, with what it runs, the first time). */
  async heartbeat(workerId: string, registration?: WorkerRegistration, now = Date.now()): Promise<void> {
    const { redis, keys } = this.resources;
    if (registration) await redis.hset(keys.workerTasks(), workerId, JSON.stringify(registration));
    await redis.zadd(keys.workers(), now + WORKER_TTL_MS, workerId);
  }

  /**
   * The own queue of a live worker (not `except`) that hosts a task on a version, for a
   * worker that took a job of a task it does not host to hand it on: sent back to the
   * shared queue, the job could go to that same worker again and again (it may have many
   * free slots, blocked on the queue before the host was). Null when no such worker is alive.
   */
  async hostQueue(taskId: string, version: string, except: string): Promise<Queue | null> {
    await this.freshView();
    const hosts = [...this.live].filter((id) => {
      const host = this.hosted.get(id);
      return id !== except && host?.tasks.includes(taskId) && (!version || host.version === version);
    });
    return hosts.length ? this.queueOf(hosts[Math.floor(Math.random() * hosts.length)]) : null;
  }

  /**
   * A worker that stops: its heartbeat ends now, so resumes are sent elsewhere once every
   * process's view renews. Its entry stays until its queue has been found empty long after
   * that, so whatever still reaches the queue meanwhile is rescued.
   */
  async leave(workerId: string): Promise<void> {
    await this.resources.redis.zadd(this.resources.keys.workers(), 0, workerId);
    this.live.delete(workerId);
  }

  /**
   * Moves what warm queues hold to the shared queue: everything of a worker that is gone
   * (its heartbeat ran out, or it left), and of a live one the jobs that have been due for
   * longer than the deadline (it is busy, or stuck). `except`: a worker leaves its own
   * queue to itself; `only`: one worker's queue, taken as gone (a worker that is closing).
   * Returns how many jobs moved.
   */
  async rescue(options: { except?: string; only?: string } = {}, now = Date.now()): Promise<number> {
    const { redis, keys } = this.resources;
    const registry = options.only ? [options.only, "0"] : await redis.zrange(keys.workers(), 0, -1, "WITHSCORES");
    let moved = 0;
    for (let i = 0; i < registry.length; i += 2) {
      const [id, expiresAt] = [registry[i], Number(registry[i + 1])];
      if (id === options.except) continue;
      const gone = expiresAt < now;
      const queue = this.queueOf(id);
      const states = gone ? (["waiting", "delayed", "prioritized", "paused", "active"] as const) : (["waiting", "delayed", "prioritized"] as const);
      const jobs = await queue.getJobs([...states], 0, RESCUE_BATCH);
      for (const job of jobs) {
        if (!job || (!gone && job.timestamp + (job.opts.delay ?? 0) > now - WARM_DEADLINE_MS)) continue;
        if (await this.moveToShared(job, id)) moved++;
      }
      // Dropped once no process can still be sending it resumes (their views are at most LIVE_VIEW_MS old).
      if (!options.only && gone && expiresAt < now - FORGET_AFTER_MS && jobs.length === 0) {
        await redis.zrem(keys.workers(), id);
        await this.forget(id);
      }
    }
    return moved;
  }

  /**
   * Takes one job off a warm queue and adds it, same id and data, to the shared queue. A job
   * its worker holds (locked) stays. The outbox entry written first covers a process that
   * dies in between: the sweeper then ensures the run's expected job (invariant 3). A job a
   * worker had taken (it died with it) goes as `redelivered`: the new BullMQ job counts its
   * attempts from 0, and must not start from a claim the dead worker may have begun.
   */
  private async moveToShared(job: Job, workerId: string): Promise<boolean> {
    const data = (job.attemptsStarted > 0 ? { ...job.data, redelivered: true } : job.data) as RunJob | RunBatchJob;
    // One intent per run the job stands for (a run id is an intent: outbox-sweeper.ts).
    const intents = "batch" in data ? data.batch.map((entry) => entry.runId) : [data.runId];
    const { redis, keys } = this.resources;
    const now = Date.now();
    await execOrThrow(addIntents(batch(redis), keys, intents, now));
    try {
      await job.remove();
    } catch {
      void dropIntents(batch(redis), keys, intents).exec();
      return false;
    }
    await this.resources.hooks.racepoint?.("rescue.jobRemoved", { jobId: job.id, warmWorker: workerId });
    const delay = Math.max(0, job.timestamp + (job.opts.delay ?? 0) - Date.now());
    // The version its runs run on now (one may have moved to a newer one since the job was
    // added), and its first run's shard (a warm worker's batch may mix shards; every worker takes every shard).
    const version = (await redis.hget(keys.run(intents[0]), "ver")) || data.version || "";
    const moved = { ...data, ...(version ? { version } : {}) };
    await this.resources.runsQueueOf(intents[0], version).add(job.name, moved, { ...runJobOptions(), jobId: job.id, delay });
    await execOrThrow(dropIntents(batch(redis), keys, intents));
    return true;
  }

  /** A worker no longer keeps these runs warm: their resumes go to the shared queue (lua/dropWarm-1.lua). */
  async dropRuns(workerId: string, runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    const pipeline = batch(this.resources.redis);
    for (const runId of runIds) queueScript(pipeline, "dropWarm", { keys: { run: this.resources.keys.run(runId) }, args: { workerId } });
    await pipeline.exec();
  }

  /** The live view (workers alive, the tasks each hosts), renewed when older than LIVE_VIEW_MS; one read at a time. */
  private async freshView(): Promise<void> {
    if (Date.now() - this.liveAt > LIVE_VIEW_MS) await (this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined)));
  }

  /**
   * The view is as old as the moment it was asked for, not answered: a reply that took long
   * (Redis restarting) may name workers that have died since, so a view that arrives
   * already older than LIVE_VIEW_MS is not trusted: resumes go to the shared queue.
   */
  private async refresh(): Promise<void> {
    const { redis, keys } = this.resources;
    const askedAt = Date.now();
    const [ids, tasks] = await Promise.all([redis.zrangebyscore(keys.workers(), askedAt, "+inf"), redis.hgetall(keys.workerTasks())]);
    this.live = Date.now() - askedAt > LIVE_VIEW_MS ? new Set() : new Set(ids);
    this.hosted = new Map(Object.entries(tasks).map(([id, json]) => [id, parseRegistration(json)]));
    this.liveAt = askedAt;
  }

  queueOf(workerId: string): Queue {
    let queue = this.queues.get(workerId);
    if (!queue) {
      queue = new Queue(WarmWorkersSystem.queueName(workerId), {
        connection: this.resources.queueConnection,
        prefix: this.resources.keys.warmQueuePrefix(workerId),
        streams: { events: { maxLen: 10 } },
      });
      queue.on("error", logDistinctErrors(this.resources.logger, "warm queue error"));
      this.queues.set(workerId, queue);
    }
    return queue;
  }

  private async forget(workerId: string): Promise<void> {
    await this.resources.redis.hdel(this.resources.keys.workerTasks(), workerId);
    const queue = this.queues.get(workerId);
    this.queues.delete(workerId);
    await queue?.obliterate({ force: true }).catch(() => {});
    await queue?.close().catch(() => {});
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close().catch(() => {})));
    this.queues.clear();
  }
}

/** The options every run job is added with (dispatch.ts), whichever queue it goes to. */
export function runJobOptions() {
  return {
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
    // Infrastructure failures (Redis hiccups in the processor) retry the same job;
    // task errors never fail a BullMQ job, they are attempts of the run (runs.ts).
    attempts: 20,
    backoff: { type: "exponential" as const, delay: 200 },
  };
}
