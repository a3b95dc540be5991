import { randomBytes } from "node:crypto";
import { createEngine, type EngineHooks, type HelmrEngine } from "@helmr/broker";
import { startApiServer, type ApiServer, type EventStreamLimits } from "@helmr/api";
import { HelmrClient, createWorker, type HelmrWorker, type WorkerOptions } from "@helmr/sdk";
import { pino } from "pino";
import { inject } from "vitest";

export const testLogger = () => pino({ level: process.env.HELMR_TEST_LOG ?? "silent" });

export interface TestStack {
  redisUrl: string;
  /** HELMR_SECRET of this stack: token secrets derive from it. */
  secret: string;
  prefix: string;
  engine: HelmrEngine;
  server: ApiServer;
  client: HelmrClient;
  apiKey: string;
  workers: HelmrWorker[];
  /** Starts a worker in this process on the stack's Redis and prefix. */
  startWorker(options: Omit<WorkerOptions, "redis" | "prefix">): Promise<HelmrWorker>;
  /** Raw HTTP against the API, for status codes and error bodies. */
  http(
    method: string,
    path: string,
    options?: { body?: unknown; rawBody?: string; key?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * Worker options for tests of the replay path: with warm resume off, every resume replays
 * the journal (a worker that keeps runs warm continues them in memory instead).
 */
export const REPLAY_ONLY = { warmRuns: 0 } as const;

/**
 * A Helmr API and engine on the suite's redis-server under a fresh key prefix, so tests
 * never see each other's data (CONTRIBUTING.md, tests).
 */
export async function startStack(
  options: {
    hooks?: EngineHooks;
    maxPayloadBytes?: number;
    redisUrl?: string;
    prefix?: string;
    idempotencyTtlMs?: number;
    queueShards?: number;
    waitReplicas?: number;
    metricsToken?: string;
    eventStreamLimits?: Partial<EventStreamLimits>;
    /** Webhook delivery settings; tests allow loopback endpoints and retry fast unless they say. */
    webhooks?: { allowPrivate?: boolean; retryBaseMs?: number; disableAfter?: number };
  } = {},
): Promise<TestStack> {
  const redisUrl = options.redisUrl ?? inject("redisUrl");
  const prefix = options.prefix ?? `t-${randomBytes(5).toString("hex")}`;
  const logger = testLogger();
  const secret = randomBytes(32).toString("base64url");
  const engine = createEngine({
    redisUrl,
    prefix,
    logger,
    hooks: options.hooks,
    secret,
    idempotencyTtlMs: options.idempotencyTtlMs,
    queueShards: options.queueShards,
    waitReplicas: options.waitReplicas,
    webhooks: { allowPrivate: true, retryBaseMs: 200, ...options.webhooks },
  });
  await engine.ready();
  const apiKey = `sk_test_${randomBytes(16).toString("hex")}`;
  const server = await startApiServer(
    {
      engine,
      logger,
      apiKeys: [apiKey],
      maxPayloadBytes: options.maxPayloadBytes ?? 1024 * 1024,
      metricsToken: options.metricsToken,
      eventStreamLimits: options.eventStreamLimits,
    },
    { port: 0, host: "127.0.0.1" },
  );
  // The URL is known once the server listens (port 0); callback URLs are built from it.
  engine.resources.publicUrl = server.url;
  const client = new HelmrClient({ baseUrl: server.url, apiKey });
  const workers: HelmrWorker[] = [];

  const stack: TestStack = {
    redisUrl,
    secret,
    prefix,
    engine,
    server,
    client,
    apiKey,
    workers,
    async startWorker(workerOptions) {
      const worker = await createWorker({
        logger,
        lockDurationMs: 5_000,
        shutdownGraceMs: 2_000,
        secret,
        publicUrl: server.url,
        queueShards: options.queueShards,
        waitReplicas: options.waitReplicas,
        ...workerOptions,
        redis: redisUrl,
        prefix,
      });
      workers.push(worker);
      return worker;
    },
    async http(method, path, { body, rawBody, key, headers = {} } = {}) {
      const auth: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key ?? apiKey}` };
      const payload = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
      const response = await fetch(server.url + path, {
        method,
        headers: { ...auth, ...(payload !== undefined ? { "content-type": "application/json" } : {}), ...headers } as Record<string, string>,
        body: payload,
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await server.close();
      await engine.close();
    },
  };
  return stack;
}
