import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startApiServer } from "@helmr/api";
import { HelmrClient, createWorker, streams, task, type HelmrWorker } from "@helmr/sdk";
import { pino } from "pino";
import type { BenchContext } from "../context.ts";
import type { RawBaseline } from "./raw-bullmq.ts";
import { keepAliveClient } from "./http-client.ts";
import { Signal, now, summarize, type Summary } from "../stats.ts";

const reply = streams.input<number>("reply");
const resumed = new Signal<number>();
let resumedCount = 0;
let onResumed: (() => void) | undefined;

/** Parks on `reply` with its own correlationId; the line after the wait is "resumed code". */
const waiter = task({
  id: "waiter",
  retry: { maxAttempts: 1 },
  run: async ({ corr }: { corr: string }) => {
    await reply.wait({ correlationId: corr });
    resumed.push(now());
    resumedCount++;
    onResumed?.();
  },
});

const events = streams.output<{ i: number; at: number }>("events");
const appender = task({
  id: "appender",
  retry: { maxAttempts: 1 },
  run: async ({ count }: { count: number }) => {
    for (let i = 0; i < count; i++) await events.append({ i, at: now() });
  },
});

export async function startBenchWorker(ctx: BenchContext, concurrency = 200): Promise<HelmrWorker> {
  return createWorker({
    tasks: [waiter, appender],
    redis: ctx.redisUrl,
    prefix: ctx.prefix,
    queueShards: ctx.queueShards,
    concurrency,
    logger: pino({ level: "warn" }),
  });
}

/** Triggers `count` waiter runs (each in its own session, as one conversation each) and waits until all are parked. */
export async function parkRuns(ctx: BenchContext, count: number, tag: string): Promise<{ runId: string; sessionId: string; corr: string }[]> {
  const parked: { runId: string; sessionId: string; corr: string }[] = [];
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    const triggered = await Promise.all(
      Array.from({ length: size }, async (_, i) => {
        const corr = `${tag}-${start + i}`;
        const { runId, sessionId } = await ctx.engine.runs.trigger("waiter", { payload: { corr } });
        return { runId, sessionId, corr };
      }),
    );
    parked.push(...triggered);
  }
  const { redis, keys } = ctx.engine.resources;
  for (const p of parked) while ((await redis.hget(keys.run(p.runId), "status")) !== "waiting") await new Promise((r) => setTimeout(r, 5));
  return parked;
}

/**
 * Input sent (engine delivery) to the first line after the wait, one at a time. With a
 * raw baseline, each probe is preceded by one raw BullMQ handoff, so both series see the
 * same moments of a noisy machine and their ratio is fair.
 */
export async function inputToResume(ctx: BenchContext, probes: { sessionId: string; corr: string }[]): Promise<Summary>;
export async function inputToResume(
  ctx: BenchContext,
  probes: { sessionId: string; corr: string }[],
  raw: RawBaseline,
): Promise<{ helmr: Summary; raw: Summary }>;
export async function inputToResume(
  ctx: BenchContext,
  probes: { sessionId: string; corr: string }[],
  raw?: RawBaseline,
): Promise<Summary | { helmr: Summary; raw: Summary }> {
  const samples: number[] = [];
  const rawSamples: number[] = [];
  for (const [i, probe] of probes.entries()) {
    const rawMs = raw ? await raw.handoff() : 0;
    const next = resumed.next();
    const t0 = now();
    await ctx.engine.streams.deliver(probe.sessionId, "reply", i, probe.corr);
    const at = await next;
    if (i < 50) continue; // warm-up
    samples.push(at - t0);
    rawSamples.push(rawMs);
  }
  return raw ? { helmr: summarize(samples), raw: summarize(rawSamples) } : summarize(samples);
}

/**
 * The same over HTTP, as an app server would send it: through HelmrClient, or through a
 * bare keep-alive node:http client.
 */
export async function httpInputToResume(api: BenchApi, probes: { sessionId: string; corr: string }[], via: "fetch" | "node:http"): Promise<Summary> {
  const samples: number[] = [];
  for (const [i, probe] of probes.entries()) {
    const next = resumed.next();
    const t0 = now();
    if (via === "fetch") await api.client.sessions.open(probe.sessionId).input("reply").send(i, { correlationId: probe.corr });
    else await api.post(`/api/v1/sessions/${probe.sessionId}/input/reply`, { data: i, correlationId: probe.corr });
    const at = await next;
    if (i >= 50) samples.push(at - t0);
  }
  return summarize(samples);
}

/** A no-op request (GET /healthz) through the bare client: what HTTP itself costs here. */
export async function httpRoundTrip(api: BenchApi, count: number): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await api.get("/healthz");
    samples.push(now() - t0);
  }
  return summarize(samples);
}

/** Inputs delivered to many parked runs at once; resumes per second until every run's code resumed. */
export async function resumeThroughput(ctx: BenchContext, targets: { sessionId: string; corr: string }[], senders = 64): Promise<number> {
  const goal = resumedCount + targets.length;
  const done = new Promise<void>((resolve) => (onResumed = () => resumedCount >= goal && resolve()));
  const t0 = now();
  let next = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < targets.length) {
        const target = targets[next++];
        await ctx.engine.streams.deliver(target.sessionId, "reply", 1, target.corr);
      }
    }),
  );
  await done;
  onResumed = undefined;
  return targets.length / ((now() - t0) / 1000);
}

/** Output appends per second: `runs` runs appending `each` entries at the same time. */
export async function appendThroughput(ctx: BenchContext, runs: number, each: number): Promise<number> {
  const t0 = now();
  const triggered = await Promise.all(Array.from({ length: runs }, () => ctx.engine.runs.trigger("appender", { payload: { count: each } })));
  const { redis, keys } = ctx.engine.resources;
  for (const { runId } of triggered) while ((await redis.hget(keys.run(runId), "status")) !== "completed") await new Promise((r) => setTimeout(r, 5));
  return (runs * each) / ((now() - t0) / 1000);
}

/** From an append in task code to the event arriving at an SSE subscriber over HTTP. */
export async function sseLatency(ctx: BenchContext, count: number): Promise<Summary> {
  const apiKey = "sk_bench_000000000000000000";
  const server = await startApiServer(
    { engine: ctx.engine, logger: pino({ level: "warn" }), apiKeys: [apiKey], maxPayloadBytes: 1 << 20 },
    { port: 0, host: "127.0.0.1" },
  );
  const client = new HelmrClient({ baseUrl: server.url, apiKey });
  const session = (await ctx.engine.sessions.create({})).session;
  const controller = new AbortController();
  const samples: number[] = [];
  const subscribed = (async () => {
    for await (const entry of client.sessions.open(session.id).output("events").subscribe({ signal: controller.signal })) {
      const { i, at } = entry.data as { i: number; at: number };
      if (i >= 20) samples.push(now() - at);
      if (i === count - 1) return;
    }
  })();
  await ctx.engine.runs.trigger("appender", { payload: { count }, sessionId: session.id });
  await subscribed;
  controller.abort();
  await server.close();
  return summarize(samples);
}

export interface BenchApi {
  client: HelmrClient;
  get(path: string): Promise<number>;
  post(path: string, body: unknown): Promise<number>;
  baseUrl: string;
  apiKey: string;
  /** The API's process, when it runs in one of its own (withApiProcess): its memory is measured there. */
  serverPid?: number;
}

const BENCH_API_KEY = "sk_bench_000000000000000000";

/** The API in this process: sender, API and worker share one event loop. */
export async function withApi<T>(ctx: BenchContext, fn: (api: BenchApi) => Promise<T>): Promise<T> {
  const server = await startApiServer(
    { engine: ctx.engine, logger: pino({ level: "warn" }), apiKeys: [BENCH_API_KEY], maxPayloadBytes: 1 << 20 },
    { port: 0, host: "127.0.0.1" },
  );
  try {
    return await withClients(server.url, fn);
  } finally {
    await server.close();
  }
}

/** The API as deployed: `helmr server` in a process of its own, the sender and the worker in this one. */
export async function withApiProcess<T>(ctx: BenchContext, fn: (api: BenchApi) => Promise<T>, settings: Record<string, string> = {}): Promise<T> {
  const bin = join(import.meta.dirname, "../../../apps/cli/bin/run.js");
  const env = {
    ...process.env,
    HELMR_REDIS_URL: ctx.redisUrl,
    HELMR_PREFIX: ctx.prefix,
    HELMR_API_KEYS: BENCH_API_KEY,
    HELMR_SECRET: "bench-secret-bench-secret-bench-secret",
    HELMR_SNAPSHOT_INTERVAL: "0",
    HELMR_LOG_LEVEL: "warn",
    ...settings,
  };
  const server = spawn(process.execPath, [bin, "server", "--port", "0", "--json"], { env, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const [line] = (await once(createInterface({ input: server.stdout! }), "line")) as [string];
    const { apiUrl } = JSON.parse(line) as { apiUrl: string };
    return await withClients(apiUrl.replace(/\/api\/v1$/, ""), fn, server.pid);
  } finally {
    server.kill("SIGTERM");
    await once(server, "exit");
  }
}

async function withClients<T>(baseUrl: string, fn: (api: BenchApi) => Promise<T>, serverPid?: number): Promise<T> {
  const bare = keepAliveClient(baseUrl, BENCH_API_KEY);
  try {
    return await fn({ client: new HelmrClient({ baseUrl, apiKey: BENCH_API_KEY }), ...bare, baseUrl, apiKey: BENCH_API_KEY, serverPid });
  } finally {
    bare.close();
  }
}

export async function usedMemory(ctx: BenchContext): Promise<number> {
  const info = await ctx.engine.resources.redis.info("memory");
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}
