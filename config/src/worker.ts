import { parseDuration } from "@helmr/core";
import type { Settings } from "./schema.ts";

/**
 * What a worker takes from the HELMR_* settings, in the units it uses (durations in ms),
 * parsed and checked by the same schema as the server's: `createWorker` starts from these
 * and lets its own options override each one, and `helmr worker` passes nothing the
 * environment already says.
 */
export interface WorkerSettings {
  /** Unset: the caller must name a Redis (`createWorker({ redis })`). */
  redisUrl?: string;
  prefix: string;
  logLevel: Settings["HELMR_LOG_LEVEL"];
  concurrency: number;
  lockMs: number;
  shutdownGraceMs: number;
  warmRuns: number;
  warmMs: number;
  /** Unset: the worker's version is a fingerprint of its task code. */
  version?: string;
  /** Runs of older versions checked per second for an upgrade (0: none). */
  upgradeRate: number;
  idempotencyTtlMs: number;
  queueShards: number;
  waitReplicas: number;
  secret?: string;
  publicUrl?: string;
  metricsPort?: number;
  /** Who may read a worker's GET /metrics: the metrics token, and every API key. */
  metricsKeys: string[];
  retention: { runMs: number; sessionMs: number; sessionIdleCloseMs: number; tokenMs: number };
  /** The largest output a task may append, in bytes of JSON. */
  maxPayloadBytes: number;
  /** Entries an output stream keeps at most (0: no cap) unless the stream says otherwise. */
  outputMaxLength: number;
}

export function workerSettings(settings: Settings): WorkerSettings {
  return {
    redisUrl: settings.HELMR_REDIS_URL,
    prefix: settings.HELMR_PREFIX,
    logLevel: settings.HELMR_LOG_LEVEL,
    concurrency: settings.HELMR_WORKER_CONCURRENCY,
    lockMs: settings.HELMR_LOCK_MS,
    shutdownGraceMs: settings.HELMR_SHUTDOWN_GRACE_MS,
    warmRuns: settings.HELMR_WARM_RUNS,
    warmMs: settings.HELMR_WARM_MS,
    version: settings.HELMR_VERSION,
    upgradeRate: settings.HELMR_UPGRADE_RATE,
    idempotencyTtlMs: parseDuration(settings.HELMR_IDEMPOTENCY_TTL),
    queueShards: settings.HELMR_QUEUE_SHARDS,
    waitReplicas: settings.HELMR_REDIS_WAIT_REPLICAS,
    secret: settings.HELMR_SECRET,
    publicUrl: settings.HELMR_PUBLIC_URL,
    metricsPort: settings.HELMR_METRICS_PORT,
    metricsKeys: [...(settings.HELMR_METRICS_TOKEN ? [settings.HELMR_METRICS_TOKEN] : []), ...settings.HELMR_API_KEYS],
    retention: {
      runMs: parseDuration(settings.HELMR_RUN_RETENTION),
      sessionMs: parseDuration(settings.HELMR_SESSION_RETENTION),
      sessionIdleCloseMs: parseDuration(settings.HELMR_SESSION_IDLE_CLOSE),
      tokenMs: parseDuration(settings.HELMR_TOKEN_RETENTION),
    },
    maxPayloadBytes: settings.HELMR_MAX_PAYLOAD_BYTES,
    outputMaxLength: settings.HELMR_OUTPUT_MAX_LENGTH,
  };
}
