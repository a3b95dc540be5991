import {
  ExecutionRefusedError,
  closeBullWorker,
  closeConnection,
  connect,
  createEngine,
  logDistinctErrors,
  settlesWithin,
  versionQueueName,
  type EngineHooks,
  type HelmrEngine,
  type RetentionPolicy,
  WarmWorkersSystem,
} from "@helmr/broker";
import { randomBytes } from "node:crypto";
import { loadSettings, workerSettings } from "@helmr/config";
import { redactRedisUrl, type TaskLimits } from "@helmr/core";
import { Worker } from "bullmq";
import { pino, type Logger } from "pino";
import type { Execution } from "../executor/execution.ts";
import { collectTasks, type TaskDefinition } from "../task.ts";
import { inputSchemasToPublish } from "./publish-schemas.ts";
import { startRetentionSweeps } from "./retention-sweeps.ts";
import { startScheduleFires } from "./schedule-fires.ts";
import { createProcessor } from "./job-processor.ts";
import { serveMetrics, type MetricsServer } from "./metrics-server.ts";
import { WarmRuns } from "./warm-runs.ts";
import { workerVersion } from "./version.ts";
import { Upgrader } from "./upgrader.ts";
import { SlotGate } from "./slot-gate.ts";
import type { SharedLimit } from "../limits.ts";

/** How often a worker renews its heartbeat, rescues resumes stuck in other workers' queues, drops runs kept warm too long and expires runs past their ttl. */
const WARM_JANITOR_MS = 1_000;

export interface WorkerOptions {
  /** Task definitions, or a module's exports (non-task exports are ignored). */
  tasks: Iterable<unknown> | Record<string, unknown>;
  /** Redis URL; defaults to HELMR_REDIS_URL. */
  redis?: string;
  /** Runs executing at once from the shared queue, and as many warm continuations (a batch of resumes counts once). Parked runs do not count. Default 50. */
  concurrency?: number;
  /** Key prefix; must match the API's (HELMR_PREFIX). Default "helmr". */
  prefix?: string;
  logger?: Logger;
  /** How long a job's lock lasts without renewal before another worker may take it over. Default 30 s. */
  lockDurationMs?: number;
  /** On close, how long running executions may finish before they are handed back. Default 10 s. */
  shutdownGraceMs?: number;
  /** Parked runs kept in memory to resume without replay (0: none). Default HELMR_WARM_RUNS, else 1,000. */
  warmRuns?: number;
  /** How long a parked run is kept in memory at most, in ms. Default HELMR_WARM_MS, else 10 minutes. */
  warmMs?: number;
  /** Runs queues dispatch is spread over; every process of a prefix uses the same. Default HELMR_QUEUE_SHARDS, else 1. */
  queueShards?: number;
  /**
   * Serves this worker's Prometheus metrics on GET /metrics at this port (0: any free one),
   * to a bearer of `metricsKeys`. Default HELMR_METRICS_PORT; unset, it serves none.
   */
  metricsPort?: number;
  /** Who may read the metrics. Default HELMR_METRICS_TOKEN and HELMR_API_KEYS. */
  metricsKeys?: string[];
  /** Replicas a job's writes must reach before the job finishes (see the README). Default HELMR_REDIS_WAIT_REPLICAS, else 0. */
  waitReplicas?: number;
  /** How long idempotency keys of tokens created in runs name their token, in ms (0: for ever). Default HELMR_IDEMPOTENCY_TTL, else 24 hours. */
  idempotencyTtlMs?: number;
  /**
   * How long finished runs, closed sessions and ended tokens are kept, in ms (0: for ever),
   * and after how long an idle open session is closed (0: never). Defaults: HELMR_RUN_RETENTION,
   * HELMR_SESSION_RETENTION, HELMR_SESSION_IDLE_CLOSE, HELMR_TOKEN_RETENTION, else 30 days, 30 days, never, 30 days.
   */
  retention?: Partial<RetentionPolicy>;
  /** How often this worker sweeps the dispatch outbox, and the fleet what passed its retention (a BullMQ job scheduler). Default 5 s. */
  sweepIntervalMs?: number;
  hooks?: EngineHooks;
  /** Key token secrets derive from; must match the API's. Defaults to HELMR_SECRET. */
  secret?: string;
  /** Base URL of callback URLs; defaults to HELMR_PUBLIC_URL. */
  publicUrl?: string;
  /**
   * The version of the task code this worker runs (1-64 letters, digits and . _ -): a run
   * runs on the version it started on, and only workers of that version execute it.
   * Default HELMR_VERSION, else a fingerprint of the task code (worker/version.ts).
   */
  version?: string;
  /**
   * Runs of older versions this worker checks per second, moving to its code those that
   * replay cleanly on it (worker/upgrader.ts); 0 leaves every run on its version. Default
   * HELMR_UPGRADE_RATE, else 200.
   */
  upgradeRate?: number;
}

export interface HelmrWorker {
  engine: HelmrEngine;
  /** This worker's id: the name of its own queue of warm resumes, and of its heartbeat. */
  workerId: string;
  /** The version of the task code it runs. */
  version: string;
  taskIds: string[];
  /** Where GET /metrics is served, when metricsPort was given. */
  metricsPort?: number;
  /** Stops taking jobs, lets running executions finish within the grace period, hands the rest back. */
  close(): Promise<void>;
}

export async function createWorker(options: WorkerOptions): Promise<HelmrWorker> {
  const tasks = collectTasks(options.tasks);
  if (tasks.size === 0) throw new Error("createWorker: no tasks given (export tasks made with task({ id, run }) from the module)");
  // The HELMR_* settings, checked by the server's schema (a bad value throws a ConfigError
  // naming the variable); each option given here overrides its setting.
  const settings = workerSettings(loadSettings());
  const redisUrl = options.redis ?? settings.redisUrl;
  if (!redisUrl) throw new Error("createWorker: no Redis URL; pass { redis } or set HELMR_REDIS_URL");
  const logger = options.logger ?? pino({ level: settings.logLevel });
  const { version, fingerprinted } = workerVersion(options.version ?? settings.version, tasks.values());
  const engine = createEngine({
    version,
    redisUrl,
    prefix: options.prefix ?? settings.prefix,
    logger,
    hooks: options.hooks,
    secret: options.secret ?? settings.secret,
    publicUrl: options.publicUrl ?? settings.publicUrl,
    idempotencyTtlMs: options.idempotencyTtlMs ?? settings.idempotencyTtlMs,
    queueShards: options.queueShards ?? settings.queueShards,
    waitReplicas: options.waitReplicas ?? settings.waitReplicas,
    limits: { maxPayloadBytes: settings.maxPayloadBytes, outputMaxLength: settings.outputMaxLength },
  });
  // Fail at once, saying why, rather than retrying quietly against a Redis that is not there.
  if (!(await engine.healthy(5_000))) {
    await engine.close();
    throw new Error(`cannot reach Redis at ${redactRedisUrl(redisUrl)}; start it, or point HELMR_REDIS_URL at a running one`);
  }
  try {
    await engine.ready();
  } catch (error) {
    await engine.close();
    throw error;
  }
  await engine.tasks.register([...tasks.keys()]);
  const startedAt = Date.now();
  await engine.versions.started(version, startedAt);
  await engine.streams.publishSchemas(inputSchemasToPublish(logger));

  const active = new Set<Execution>();
  const lockDuration = options.lockDurationMs ?? settings.lockMs;
  const concurrency = options.concurrency ?? settings.concurrency;
  const workerId = randomBytes(6).toString("base64url");
  const giveUp = (runIds: string[]) => void engine.warm.dropRuns(workerId, runIds).catch((error) => logger.debug({ err: error }, "could not drop warm marks"));
  const warm = new WarmRuns(options.warmRuns ?? settings.warmRuns, options.warmMs ?? settings.warmMs, giveUp);
  // The limits the tasks' code declares are the defaults; those set at runtime stay in force over them.
  for (const shared of sharedLimitsOf(tasks.values())) await engine.flow.setShared(shared.name, "code", shared);
  for (const task of tasks.values()) await engine.flow.setLimits(task.id, "code", codeLimitsOf(task), Date.now(), sharedNamesOf(task));
  const gate = new SlotGate(engine, lockDuration, logger);
  const processor = createProcessor({ engine, tasks, logger, active, warm, workerId, gate });
  const bullConnection = connect(redisUrl, logger, "worker", { maxRetriesPerRequest: null });
  const workerOptions = {
    connection: bullConnection,
    prefix: engine.resources.queuePrefix,
    concurrency,
    lockDuration,
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
    // A job stalls when its worker dies; the run's own attempt count (startExecution)
    // decides when to give up, so BullMQ must not fail the job first.
    maxStalledCount: 1_000,
  };
  // Every shard of its version's runs queues and of the queues of runs with no version yet
  // (which it stamps with its own as it starts them), and this worker's own queue of warm
  // resumes (WarmWorkersSystem).
  const bullWorkers = [version, ""].flatMap((queued) =>
    engine.resources.runsQueues.map(
      (_, shard) => new Worker(versionQueueName(queued), processor, { ...workerOptions, prefix: engine.resources.keys.queuePrefix(shard) }),
    ),
  );
  // The own queue serves with warm resume off too: another worker hands it the jobs of tasks
  // only this one hosts, which sent back to the shared queue could go to that worker again and again.
  bullWorkers.push(new Worker(WarmWorkersSystem.queueName(workerId), processor, { ...workerOptions, prefix: engine.resources.keys.warmQueuePrefix(workerId) }));
  for (const worker of bullWorkers) {
    worker.on("error", logDistinctErrors(logger, "worker error"));
    // Closing a BullMQ worker whose connections are still initializing drops their init
    // commands as unhandled rejections; a worker is only handed out once it is ready.
    await worker.waitUntilReady();
    worker.on("failed", (job, error) => logger.warn({ jobId: job?.id, err: error }, "runs-queue job failed; BullMQ retries it"));
  }
  await engine.warm.heartbeat(workerId, { tasks: [...tasks.keys()], version, startedAt });
  gate.start();
  const upgrader = new Upgrader({ engine, tasks, version, workerId, logger, ratePerSecond: options.upgradeRate ?? settings.upgradeRate });
  upgrader.start();

  const sweepEveryMs = options.sweepIntervalMs ?? 5_000;
  bullWorkers.push(
    await startRetentionSweeps({ engine, connection: bullConnection, policy: { ...settings.retention, ...options.retention }, everyMs: sweepEveryMs, logger }),
  );
  bullWorkers.push(await startScheduleFires({ engine, connection: bullConnection, tasks: tasks.values(), version, logger }));
  const sweepInterval = setInterval(() => {
    engine.outbox.sweep().catch((error) => logger.warn({ err: error }, "outbox sweep failed"));
  }, sweepEveryMs);
  sweepInterval.unref();
  const warmInterval = setInterval(() => {
    warm.sweep();
    engine.warm.heartbeat(workerId).catch(() => {});
    engine.warm.rescue({ except: workerId }).catch((error) => logger.warn({ err: error }, "rescuing warm resumes failed"));
    // Runs whose ttl ran out before they started expire on time, whatever holds them back.
    engine.runs.expireDue().catch((error) => logger.warn({ err: error }, "expiring runs past their ttl failed"));
  }, WARM_JANITOR_MS);
  warmInterval.unref();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(sweepInterval);
      clearInterval(warmInterval);
      gate.stop();
      await settlesWithin(upgrader.stop(), HAND_BACK_WAIT_MS);
      const redisAnswers = await engine.healthy(500);
      // Resumes are sent elsewhere from now on: the runs kept here lose their marks, the
      // worker its heartbeat; what reaches this worker's queue meanwhile is moved to the
      // shared queue below, and by the other workers later.
      const givenUp = warm.stop();
      if (redisAnswers) {
        await settlesWithin(engine.warm.dropRuns(workerId, givenUp), HAND_BACK_WAIT_MS);
        await engine.warm.leave(workerId).catch(() => {});
      }
      const closed = Promise.all(bullWorkers.map((worker) => closeBullWorker(worker, redisAnswers)));
      const grace = options.shutdownGraceMs ?? settings.shutdownGraceMs;
      if (!redisAnswers) {
        if (active.size)
          logger.warn(
            { running: active.size },
            `Redis is unreachable: ${active.size} running executions cannot be handed back; another worker takes them over once their locks expire (${lockDuration} ms)`,
          );
      } else if (!(await settlesWithin(closed, grace))) {
        logger.warn({ running: active.size }, "shutdown grace period over; handing running executions back to the queue");
        const handedBack = await Promise.all([...active].map((execution) => handBack(engine, execution)));
        const kept = handedBack.filter((outcome) => outcome === "failed").length;
        if (kept)
          logger.warn(
            { kept },
            `${kept} running executions could not be handed back (Redis did not answer); another worker takes them over once their locks expire (${lockDuration} ms)`,
          );
      }
      // Handed-back executions end at once; what is left (Redis gone meanwhile) is not waited for.
      await settlesWithin(closed, HAND_BACK_WAIT_MS);
      if (redisAnswers) await settlesWithin(engine.warm.rescue({ only: workerId }), HAND_BACK_WAIT_MS);
      await closeConnection(bullConnection);
      await metricsServer?.close();
      await engine.close();
    })());

  const metricsPort = options.metricsPort ?? settings.metricsPort;
  const metricsKeys = options.metricsKeys ?? settings.metricsKeys;
  let metricsServer: MetricsServer | undefined;
  if (metricsPort !== undefined) {
    try {
      metricsServer = await serveMetrics(engine, { port: metricsPort, keys: metricsKeys });
    } catch (error) {
      await close();
      throw error;
    }
  }
  const versionNote = fingerprinted === null ? "as given" : `a fingerprint of ${fingerprinted} task code files`;
  logger.info(
    { tasks: [...tasks.keys()], version, concurrency, metricsPort: metricsServer?.port },
    `helmr worker started: version ${version} (${versionNote})`,
  );
  return { engine, workerId, version, taskIds: [...tasks.keys()], metricsPort: metricsServer?.port, close };
}

/** The shared limits the tasks name by definition (limits.define); one name, one definition. */
function sharedLimitsOf(tasks: Iterable<TaskDefinition>): SharedLimit[] {
  const byName = new Map<string, SharedLimit>();
  for (const task of tasks)
    for (const shared of task.limits ?? []) {
      if (typeof shared === "string") continue;
      const known = byName.get(shared.name);
      if (known && JSON.stringify(known) !== JSON.stringify(shared))
        throw new Error(`createWorker: two limits.define("${shared.name}") differ; define each shared limit once and name it from every task`);
      byName.set(shared.name, shared);
    }
  return [...byName.values()];
}

const sharedNamesOf = (task: TaskDefinition): string[] => (task.limits ?? []).map((shared) => (typeof shared === "string" ? shared : shared.name));

/** A task's limits as its code declares them; null for none. */
function codeLimitsOf(task: TaskDefinition): TaskLimits | null {
  if (!task.concurrency && !task.rateLimit) return null;
  return { ...(task.concurrency ? { concurrency: task.concurrency } : {}), ...(task.rateLimit ? { rateLimit: task.rateLimit } : {}) };
}

/** How long a close waits, after the grace period, for handed-back executions to end. */
const HAND_BACK_WAIT_MS = 2_000;

async function handBack(engine: HelmrEngine, execution: Execution): Promise<"released" | "ended" | "failed"> {
  try {
    const jobId = await engine.executions.release(execution.run.id, execution.fence);
    execution.stop({ kind: "released", jobId });
    return "released";
  } catch (error) {
    // Refused: the execution already ended or lost the run; nothing to hand back.
    if (error instanceof ExecutionRefusedError) return "ended";
    return "failed";
  }
}

export type { TaskDefinition };
