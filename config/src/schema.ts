import { VersionName, isValidDuration, parseDuration, parseRedisUrl } from "@helmr/core";
import { z } from "zod";

/**
 * Every Helmr setting, read from environment variables. Defaults suit a laptop: no Redis
 * URL means "start an embedded redis-server under HELMR_DATA_DIR".
 */
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Defaults that code outside the environment (createWorker, createEngine, the operator commands) applies too. */
export const DEFAULTS = {
  port: 3000,
  dataDir: ".helmr",
  prefix: "helmr",
  workerConcurrency: 50,
  queueShards: 1,
  lockMs: 30_000,
  shutdownGraceMs: 10_000,
  /** Parked runs a worker keeps in memory to resume without replay, and for how long (ms). */
  warmRuns: 1_000,
  warmMs: 600_000,
  upgradeRate: 200,
  /** How long a trigger's or a token's idempotency key keeps naming its run or token. */
  idempotencyTtl: "24h",
  /** Retention: how long finished runs, closed sessions and ended tokens are kept ("0": for ever). */
  runRetention: "30d",
  sessionRetention: "30d",
  sessionIdleClose: "0",
  tokenRetention: "30d",
} as const;

/** A duration setting like "30d"; "0" turns what it bounds off. */
const duration = (fallback: string) => z.string().default(fallback).refine(isValidDuration, 'must be a duration like "30d", "12h" or "90m" ("0" turns it off)');

/** A duration setting like "30s" that cannot be turned off. */
const positiveDuration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((text) => isValidDuration(text) && parseDuration(text) > 0, 'must be a duration like "30s", "10m" or "1h", more than 0');

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

export const Settings = z.object({
  /** One Redis or a cluster (`redis+cluster://host:port,host:port`): core's parseRedisUrl, which the engine's client uses too. */
  HELMR_REDIS_URL: optionalText.superRefine((url, context) => {
    if (url === undefined) return;
    try {
      parseRedisUrl(url);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
    }
  }),
  HELMR_PORT: int(0, 65535).default(DEFAULTS.port),
  HELMR_HOST: z.string().min(1).default("127.0.0.1"),
  HELMR_API_KEYS: optionalText
    .transform((v) =>
      v === undefined
        ? []
        : v
            .split(",")
            .map((k) => k.trim())
            .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .min(16, "each key must be at least 16 characters")
          // Bearers starting with pat_ are public access tokens (apps/api/src/framework/auth.ts).
          .refine((key) => !key.startsWith("pat_"), "a secret key must not start with pat_ (that prefix marks public access tokens)"),
      ),
    ),
  /** A bearer that opens GET /metrics (API, and a worker's HELMR_METRICS_PORT) and nothing else. */
  HELMR_METRICS_TOKEN: optionalText.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  /** Where a worker serves GET /metrics (unset: it does not). */
  HELMR_METRICS_PORT: int(1, 65535).optional(),
  HELMR_SECRET: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
  HELMR_PUBLIC_URL: optionalText.pipe(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional()),
  HELMR_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, "must be 1-32 of a-z, 0-9 and -")
    .default(DEFAULTS.prefix),
  HELMR_DATA_DIR: z.string().min(1).default(DEFAULTS.dataDir),
  HELMR_WORKER_CONCURRENCY: int(1, 10_000).default(DEFAULTS.workerConcurrency),
  /** Runs queues dispatch is spread over (a Redis Cluster: one per master or more); every process of a prefix must use the same. */
  HELMR_QUEUE_SHARDS: int(1, 256).default(DEFAULTS.queueShards),
  /** Replicas an input delivery, a token completion and a trigger must reach before the API answers 2xx (Redis WAIT); 0: none. */
  HELMR_REDIS_WAIT_REPLICAS: int(0, 16).default(0),
  HELMR_LOCK_MS: int(1000, 3_600_000).default(DEFAULTS.lockMs),
  HELMR_SHUTDOWN_GRACE_MS: int(0, 3_600_000).default(DEFAULTS.shutdownGraceMs),
  /** The version of the task code a worker runs (unset: a fingerprint of that code; libs/sdk/src/worker/version.ts). */
  HELMR_VERSION: optionalText.pipe(VersionName.optional()),
  /** Runs of older versions a worker checks per second, to move those its code replays cleanly (0 turns upgrading off). */
  HELMR_UPGRADE_RATE: int(0, 100_000).default(DEFAULTS.upgradeRate),
  /** Warm resume: parked runs a worker keeps in memory (0 turns it off), and for how long (ms) at most. */
  HELMR_WARM_RUNS: int(0, 1_000_000).default(DEFAULTS.warmRuns),
  HELMR_WARM_MS: int(0, 30 * 24 * 3_600_000).default(DEFAULTS.warmMs),
  // Retention (libs/broker/src/systems/retention.ts): "0" keeps for ever (never closes).
  HELMR_RUN_RETENTION: duration(DEFAULTS.runRetention),
  HELMR_SESSION_RETENTION: duration(DEFAULTS.sessionRetention),
  HELMR_SESSION_IDLE_CLOSE: duration(DEFAULTS.sessionIdleClose),
  HELMR_TOKEN_RETENTION: duration(DEFAULTS.tokenRetention),
  /** "0" keeps idempotency keys for ever. */
  HELMR_IDEMPOTENCY_TTL: z
    .string()
    .default(DEFAULTS.idempotencyTtl)
    .refine(isValidDuration, 'must be a duration like "24h" or "7d" ("0" keeps idempotency keys for ever)'),
  HELMR_MAX_PAYLOAD_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  /** The default cap of output streams (streams.output's maxLength): about this many entries are kept; 0: no cap. */
  HELMR_OUTPUT_MAX_LENGTH: int(0, 1_000_000_000).default(0),
  // Event streams (apps/api/src/framework/event-stream-limits.ts), per API process.
  HELMR_STREAMS_PER_PROCESS: int(1, 1_000_000).default(10_000),
  /** Per public access token; a secret key counts against the process's bound only. */
  HELMR_STREAMS_PER_TOKEN: int(1, 1_000_000).default(20),
  /** A client that takes nothing for this long while events wait for it is dropped. */
  HELMR_STREAMS_STALL: positiveDuration("30s"),
  HELMR_STREAMS_MAX_BUFFERED_BYTES: int(16 * 1024, 1024 * 1024 * 1024).default(1024 * 1024),
  /** A stream with no event for this long ends (the client reconnects). */
  HELMR_STREAMS_IDLE: positiveDuration("10m"),
  HELMR_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  // Webhooks out (libs/broker/src/systems/webhooks.ts), delivered by API processes.
  /** Whether webhooks may go to loopback, private and link-local addresses (`helmr dev` allows them). */
  HELMR_WEBHOOKS_ALLOW_PRIVATE: z
    .enum(["true", "false"], { error: 'must be "true" or "false"' })
    .default("false")
    .transform((text) => text === "true"),
  /** The first retry of a failed delivery comes this long after it; each next one twice as long after the one before. */
  HELMR_WEBHOOKS_RETRY: positiveDuration("5s"),
  /** Failed deliveries in a row that disable an endpoint. */
  HELMR_WEBHOOKS_DISABLE_AFTER: int(1, 1_000_000).default(50),

  // Snapshots (libs/broker/src/snapshots): to S3 when HELMR_S3_BUCKET is set, else under
  // HELMR_DATA_DIR/snapshots in the same format.
  HELMR_S3_ENDPOINT: optionalText.pipe(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional()),
  HELMR_S3_BUCKET: optionalText,
  HELMR_S3_REGION: z.string().min(1).default("us-east-1"),
  HELMR_S3_ACCESS_KEY_ID: optionalText,
  HELMR_S3_SECRET_ACCESS_KEY: optionalText,
  HELMR_S3_PREFIX: z
    .string()
    .regex(/^([\w.-]+\/)*$/, "must be empty or folder names each ending in /, like helmr/snapshots/")
    .default("helmr/snapshots/"),
  /** "0" turns periodic snapshots off; `helmr snapshot create` still works (and writes full ones). */
  HELMR_SNAPSHOT_INTERVAL: z.string().default("5m").refine(isValidDuration, 'must be a duration like "30s", "5m" or "1h" ("0" turns periodic snapshots off)'),
  /** A full snapshot after this many incremental ones. */
  HELMR_SNAPSHOT_FULL_EVERY: int(0, 10_000).default(12),
  /** How many full snapshots (each with its increments) to keep; older ones are pruned. */
  HELMR_SNAPSHOT_RETAIN: int(1, 1000).default(3),
});
export type Settings = z.infer<typeof Settings>;
