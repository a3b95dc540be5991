import { DEFAULTS } from "@helmr/config";
import { parseDuration } from "@helmr/core";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { logDistinctErrors } from "./closing.ts";
import { WebhookEvents, type WebhookDeliveryPolicy } from "./webhook-events.ts";
import { queueShardOf } from "./shards.ts";
import { redisClient } from "./redis-target.ts";
import { Keys } from "./keys.ts";
import { defineScripts } from "./lua/loader.ts";
import { EngineMetrics } from "./metrics.ts";
import { WaitingIndex } from "./waiting-index.ts";
import type { RacepointHook } from "./racepoints.ts";

/** What every system shares, wired once in `createEngine` (CONTRIBUTING.md, broker core). */
export interface Resources {
  redis: Redis;
  keys: Keys;
  /**
   * The runs queues of runs that have no version yet (any worker takes them), one per shard
   * (HELMR_QUEUE_SHARDS; shards.ts), index = shard.
   */
  runsQueues: Queue[];
  /** A version's runs queues, one per shard (made when first asked for); "" gives `runsQueues`. */
  runsQueuesOf(version: string): Queue[];
  /** The versions whose runs queues this process has made, besides `runsQueues`. */
  versionQueues(): Queue[];
  /** Closes and forgets a version's runs queues (a retired version's). */
  forgetRunsQueuesOf(version: string): Promise<void>;
  /** The runs queue a run's jobs go to when no worker keeps it warm: its version's, in its shard. */
  runsQueueOf(runId: string, version: string): Queue;
  /** Shard 0's runs queue of runs with no version. Code that dispatches uses runsQueueOf. */
  runsQueue: Queue;
  /** The version of the task code this process executes (a worker's); "" for one that executes none (the API). */
  version: string;
  /** The runs queue's own connection (BullMQ wants maxRetriesPerRequest: null there). */
  queueConnection: Redis;
  logger: Logger;
  /** The BullMQ key prefix; workers use the same one. */
  queuePrefix: string;
  redisUrl: string;
  /** HELMR_SECRET: the key every handed-out secret is derived from (libs/core/src/secrets.ts). */
  secret?: string;
  /** HELMR_PUBLIC_URL: the base of links Helmr hands out (callback URLs). */
  publicUrl?: string;
  /** How long an idempotency key (a trigger's, a token's) names what it made; 0: for ever. */
  idempotencyTtlMs: number;
  /** Replicas an acknowledged delivery, completion or trigger must reach first (replication.ts). */
  waitReplicas: number;
  /** What a run's code may write: the largest output in bytes of JSON, and the entries an output stream keeps unless it says (0: no cap). */
  limits: { maxPayloadBytes: number; outputMaxLength: number };
  /** The index of parked runs, shared by every system that parks or ends a wait. */
  waiting: WaitingIndex;
  /** This process's Prometheus metrics (metrics.ts). */
  metrics: EngineMetrics;
  /** Injected in tests to force interleavings (CONTRIBUTING.md: races are forced, not hoped for). */
  hooks: EngineHooks;
  /** Events out to webhook endpoints (webhook-events.ts). */
  webhookEvents: WebhookEvents;
  /** HELMR_WEBHOOKS_ALLOW_PRIVATE: webhooks may go to loopback and private addresses (webhook-targets.ts). */
  webhooksAllowPrivate: boolean;
}

export interface EngineHooks {
  /** Called after a run's state names its next job and before the job is added. */
  beforeDispatch?: (runId: string) => Promise<void> | void;
  /** Called at each named racepoint (racepoints.ts). */
  racepoint?: RacepointHook;
}

export interface ResourceOptions {
  redisUrl: string;
  /** Webhook deliveries: the first retry's delay, failures in a row that disable an endpoint; whether private addresses are allowed (HELMR_WEBHOOKS_ALLOW_PRIVATE). */
  webhooks?: Partial<WebhookDeliveryPolicy> & { allowPrivate?: boolean };
  prefix?: string;
  logger?: Logger;
  hooks?: EngineHooks;
  secret?: string;
  publicUrl?: string;
  /** HELMR_IDEMPOTENCY_TTL in ms (default 24 hours; 0 keeps keys for ever). */
  idempotencyTtlMs?: number;
  /** HELMR_QUEUE_SHARDS: runs queues to spread dispatch over (default 1). */
  queueShards?: number;
  /** HELMR_REDIS_WAIT_REPLICAS: replicas an acknowledged write must reach first (replication.ts; default 0). */
  waitReplicas?: number;
  /** HELMR_MAX_PAYLOAD_BYTES and HELMR_OUTPUT_MAX_LENGTH (defaults 1 MiB and no cap). */
  limits?: Partial<Resources["limits"]>;
  /** The version of the task code this process executes (a worker's). */
  version?: string;
}

export const RUNS_QUEUE = "runs";

/** The name of a version's runs queues (every shard's has the same name, under its shard's prefix). */
export const versionQueueName = (version: string): string => (version ? `${RUNS_QUEUE}-v-${version}` : RUNS_QUEUE);

export function createResources(options: ResourceOptions): Resources {
  const prefix = options.prefix ?? DEFAULTS.prefix;
  const logger = options.logger ?? pino({ level: "info" });
  const redis = connect(options.redisUrl, logger, "commands");
  const shards = options.queueShards ?? DEFAULTS.queueShards;
  const keys = new Keys(prefix, shards);
  defineScripts(redis, keys);
  const queuePrefix = keys.queuePrefix();
  const queueConnection = connect(options.redisUrl, logger, "queue", { maxRetriesPerRequest: null });
  // Helmr keeps its own run events; BullMQ's event stream is only kept short.
  const queuesOf = (version: string) =>
    Array.from({ length: shards }, (_, shard) => {
      const queue = new Queue(versionQueueName(version), {
        connection: queueConnection,
        prefix: keys.queuePrefix(shard),
        streams: { events: { maxLen: 100 } },
      });
      queue.on("error", logDistinctErrors(logger, "runs queue error"));
      return queue;
    });
  const runsQueues = queuesOf("");
  const byVersion = new Map<string, Queue[]>();
  const runsQueuesOf = (version: string) => {
    if (!version) return runsQueues;
    let queues = byVersion.get(version);
    if (!queues) byVersion.set(version, (queues = queuesOf(version)));
    return queues;
  };
  const runsQueueOf = (runId: string, version: string) => runsQueuesOf(version)[queueShardOf(runId, shards)];
  const waiting = new WaitingIndex({ redis, keys, logger });
  const metrics = new EngineMetrics({ redis, keys, waiting });
  const idempotencyTtlMs = options.idempotencyTtlMs ?? parseDuration(DEFAULTS.idempotencyTtl);
  return {
    redis,
    keys,
    runsQueues,
    runsQueuesOf,
    versionQueues: () => [...byVersion.values()].flat(),
    forgetRunsQueuesOf: async (version) => {
      const queues = byVersion.get(version) ?? [];
      byVersion.delete(version);
      await Promise.all(queues.map((queue) => queue.close().catch(() => {})));
    },
    runsQueueOf,
    runsQueue: runsQueues[0],
    version: options.version ?? "",
    queueConnection,
    logger,
    queuePrefix,
    redisUrl: options.redisUrl,
    waiting,
    metrics,
    hooks: options.hooks ?? {},
    webhookEvents: new WebhookEvents(redis, keys, queueConnection, logger, {
      retryBaseMs: options.webhooks?.retryBaseMs ?? 5_000,
      disableAfter: options.webhooks?.disableAfter ?? 50,
    }),
    webhooksAllowPrivate: options.webhooks?.allowPrivate ?? false,
    secret: options.secret,
    publicUrl: options.publicUrl,
    idempotencyTtlMs,
    waitReplicas: options.waitReplicas ?? 0,
    limits: { maxPayloadBytes: 1024 * 1024, outputMaxLength: 0, ...options.limits },
  };
}

/**
 * Claims an idempotency key for `value` (SET NX, expiring after the idempotency TTL), or
 * reads what it already names. A key that expires between the two is claimed again.
 * Returns whether this call claimed it, and the value it names.
 */
export async function claimIdempotencyKey(
  resources: Pick<Resources, "redis" | "idempotencyTtlMs">,
  key: string,
  value: string,
): Promise<{ claimed: boolean; value: string }> {
  const { redis, idempotencyTtlMs } = resources;
  for (;;) {
    const set = idempotencyTtlMs > 0 ? await redis.set(key, value, "PX", idempotencyTtlMs, "NX") : await redis.set(key, value, "NX");
    if (set === "OK") return { claimed: true, value };
    const existing = await redis.get(key);
    if (existing !== null) return { claimed: false, value: existing };
  }
}

export function connect(url: string, logger: Logger, role: string, options: { maxRetriesPerRequest?: number | null } = {}): Redis {
  const redis = redisClient(url, { maxRetriesPerRequest: 2, ...options, connectionName: `helmr:${role}` });
  let lastError = "";
  redis.on("error", (error: Error) => {
    // ioredis retries on its own; log each distinct failure once instead of every retry.
    if (error.message !== lastError) logger.warn({ role, err: error.message }, "redis connection error");
    lastError = error.message;
  });
  redis.on("ready", () => (lastError = ""));
  return redis;
}

/** QUIT when Redis answers; a connection still trying to reach a dead Redis is dropped instead. */
export async function closeConnection(redis: Redis, timeoutMs = 1000): Promise<void> {
  const quit = redis.quit().then(
    () => true,
    () => false,
  );
  const timedOut = new Promise<boolean>((resolve) => setTimeout(resolve, timeoutMs, false).unref());
  if (!(await Promise.race([quit, timedOut]))) redis.disconnect();
}
