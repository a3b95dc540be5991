import {
  ExecutionRefusedError,
  closeBullWorker,
  closeConnection,
  connect,
  createEngine,
  logDistinctErrors,
  RUNS_QUEUE,
  settlesWithin,
  type EngineHooks,
  type HelmrEngine,
} from "@helmr/broker";
import { DEFAULTS } from "@helmr/config";
import { Worker } from "bullmq";
import { pino, type Logger } from "pino";
import type { Execution } from "../executor/execution.ts";
import { collectTasks, type TaskDefinition } from "../task.ts";
import { inputSchemasToPublish } from "./publish-schemas.ts";
import { createProcessor } from "./job-processor.ts";

export interface WorkerOptions {
  /** Task definitions, or a module's exports (non-task exports are ignored). */
  tasks: Iterable<unknown> | Record<string, unknown>;
  /** Redis URL; defaults to HELMR_REDIS_URL. */
  redis?: string;
  /** Runs executing at once. Parked runs do not count. Default 50. */
  concurrency?: number;
  /** Key prefix; must match the API's (HELMR_PREFIX). Default "helmr". */
  prefix?: string;
  logger?: Logger;
  /** How long a job's lock lasts without renewal before another worker may take it over. Default 30 s. */
  lockDurationMs?: number;
  /** On close, how long running executions may finish before they are handed back. Default 10 s. */
  shutdownGraceMs?: number;
  /** How often this worker sweeps the dispatch outbox. Default 5 s. */
  sweepIntervalMs?: number;
  hooks?: EngineHooks;
  /** Key token secrets derive from; must match the API's. Defaults to HELMR_SECRET. */
  secret?: string;
  /** Base URL of callback URLs; defaults to HELMR_PUBLIC_URL. */
  publicUrl?: string;
}

export interface HelmrWorker {
  engine: HelmrEngine;
  taskIds: string[];
  /** Stops taking jobs, lets running executions finish within the grace period, hands the rest back. */
  close(): Promise<void>;
}

export async function createWorker(options: WorkerOptions): Promise<HelmrWorker> {
  const tasks = collectTasks(options.tasks);
  if (tasks.size === 0) throw new Error("createWorker: no tasks given (export tasks made with task({ id, run }) from the module)");
  const redisUrl = options.redis ?? process.env.HELMR_REDIS_URL;
  if (!redisUrl) throw new Error("createWorker: no Redis URL; pass { redis } or set HELMR_REDIS_URL");
  const logger = options.logger ?? pino({ level: process.env.HELMR_LOG_LEVEL ?? "info" });
  const engine = createEngine({
    redisUrl,
    prefix: options.prefix,
    logger,
    hooks: options.hooks,
    secret: options.secret ?? process.env.HELMR_SECRET,
    publicUrl: options.publicUrl ?? process.env.HELMR_PUBLIC_URL,
  });
  // Fail at once, saying why, rather than retrying quietly against a Redis that is not there.
  if (!(await engine.healthy(5_000))) {
    await engine.close();
    throw new Error(`cannot reach Redis at ${redisUrl}; start it, or point HELMR_REDIS_URL at a running one`);
  }
  try {
    await engine.ready();
  } catch (error) {
    await engine.close();
    throw error;
  }
  await engine.tasks.register([...tasks.keys()]);
  await engine.streams.publishSchemas(inputSchemasToPublish(logger));

  const active = new Set<Execution>();
  const lockDuration = options.lockDurationMs ?? DEFAULTS.lockMs;
  const concurrency = options.concurrency ?? DEFAULTS.workerConcurrency;
  const bullConnection = connect(redisUrl, logger, "worker", { maxRetriesPerRequest: null });
  const worker = new Worker(RUNS_QUEUE, createProcessor({ engine, tasks, logger, active }), {
    connection: bullConnection,
    prefix: engine.resources.queuePrefix,
    concurrency,
    lockDuration,
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
    // A job stalls when its worker dies; the run's own attempt count (startExecution)
    // decides when to give up, so BullMQ must not fail the job first.
    maxStalledCount: 1_000,
  });
  worker.on("error", logDistinctErrors(logger, "worker error"));
  // Closing a BullMQ worker whose connections are still initializing drops their init
  // commands as unhandled rejections; a worker is only handed out once it is ready.
  await worker.waitUntilReady();
  worker.on("failed", (job, error) => logger.warn({ jobId: job?.id, err: error }, "runs-queue job failed; BullMQ retries it"));

  const sweepInterval = setInterval(() => {
    engine.outbox.sweep().catch((error) => logger.warn({ err: error }, "outbox sweep failed"));
  }, options.sweepIntervalMs ?? 5_000);
  sweepInterval.unref();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(sweepInterval);
      const redisAnswers = await engine.healthy(500);
      const closed = closeBullWorker(worker, redisAnswers);
      const grace = options.shutdownGraceMs ?? DEFAULTS.shutdownGraceMs;
      if (!redisAnswers) {
        if (active.size) logger.warn({ running: active.size }, `Redis is unreachable: ${active.size} running executions cannot be handed back; another worker takes them over once their locks expire (${lockDuration} ms)`);
      } else if (!(await settlesWithin(closed, grace))) {
        logger.warn({ running: active.size }, "shutdown grace period over; handing running executions back to the queue");
        const handedBack = await Promise.all([...active].map((execution) => handBack(engine, execution)));
        const kept = handedBack.filter((outcome) => outcome === "failed").length;
        if (kept) logger.warn({ kept }, `${kept} running executions could not be handed back (Redis did not answer); another worker takes them over once their locks expire (${lockDuration} ms)`);
      }
      // Handed-back executions end at once; what is left (Redis gone meanwhile) is not waited for.
      await settlesWithin(closed, HAND_BACK_WAIT_MS);
      await closeConnection(bullConnection);
      await engine.close();
    })());

  logger.info({ tasks: [...tasks.keys()], concurrency }, "helmr worker started");
  return { engine, taskIds: [...tasks.keys()], close };
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
