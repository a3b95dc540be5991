import { readFileSync } from "node:fs";
import { request } from "node:http";
import { createWorker, streams, task } from "@helmr/sdk";
import { Redis } from "ioredis";
import { pino } from "pino";
import { benchContext, type BenchContext } from "./context.ts";
import { type BenchApi, withApiProcess } from "./scenarios/helmr-streams.ts";
import { now, row, summarize, type Summary } from "./stats.ts";

const ticks = streams.output<{ i: number; t: number }>("bench-ticks");
/**
 * Appends `count` entries `everyMs` apart from `startAt` (this process's clock, ms), each
 * stamped with when it was appended. Tickers of many sessions are given start times spread
 * over one period, so their appends do not all come at once.
 */
const ticker = task({
  id: "bench-ticker",
  run: async ({ count, everyMs, startAt }: { count: number; everyMs: number; startAt: number }) => {
    for (let i = 0; i < count; i++) {
      const due = startAt + i * everyMs - now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      await ticks.append({ i, t: now() });
    }
  },
});

/** One browser following a session's output: how many entries came, and when (for a sample of the clients). */
interface Subscriber {
  slow: boolean;
  sampled: boolean;
  received: number;
  latencies: number[];
  close(): void;
}

/**
 * A client of the output stream, on a socket of its own. A slow one reads for 100 ms in
 * every second and leaves its socket unread the rest of the time.
 */
function subscribe(api: BenchApi, sessionId: string, slow: boolean, sampled: boolean): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.baseUrl}/api/v1/sessions/${sessionId}/output/${ticks.id}`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${api.apiKey}` },
      agent: false,
    });
    req.on("response", (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      const subscriber: Subscriber = { slow, sampled, received: 0, latencies: [], close: () => (clearInterval(reading), req.destroy()) };
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const at = now();
        text += chunk;
        const end = text.lastIndexOf("\n\n");
        if (end < 0) return;
        const events = text.slice(0, end);
        if (sampled && !slow) {
          for (const match of events.matchAll(/"t":([\d.]+)/g)) {
            subscriber.received++;
            subscriber.latencies.push(at - Number(match[1]));
          }
        } else {
          for (let at = events.indexOf("event: output"); at >= 0; at = events.indexOf("event: output", at + 13)) subscriber.received++;
        }
        text = text.slice(end + 2);
      });
      const reading = slow
        ? setInterval(() => {
            res.resume();
            setTimeout(() => res.pause(), 100);
          }, 1_000)
        : undefined;
      if (slow) res.pause();
      resolve(subscriber);
    });
    req.on("error", reject);
    req.end();
  });
}

/** A process's CPU time so far (user and system), in ms; /proc counts it in clock ticks of 10 ms. */
const cpuOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
const clientsOf = async (redis: Redis) => Number(/connected_clients:(\d+)/.exec(await redis.info("clients"))![1]);

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Raw Redis, the floor: one XREAD BLOCK reader of a stream that a writer XADDs to every
 * `everyMs`, from the XADD to the reader holding the entry.
 */
async function rawXread(ctx: BenchContext, count: number, everyMs: number): Promise<Summary> {
  const writer = new Redis(ctx.redisUrl);
  const reader = new Redis(ctx.redisUrl);
  const key = "bench-raw-ticks";
  const samples: number[] = [];
  let cursor = "$";
  const reading = (async () => {
    while (samples.length < count) {
      const result = (await reader.xread("BLOCK", 1000, "STREAMS", key, cursor)) as [string, [string, string[]][]][] | null;
      const at = now();
      for (const [id, fields] of result?.[0][1] ?? []) {
        samples.push(at - Number(fields[1]));
        cursor = id;
      }
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (let i = 0; i < count; i++) {
    await writer.xadd(key, "*", "t", String(now()));
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  await reading;
  await writer.del(key);
  writer.disconnect();
  reader.disconnect();
  return summarize(samples);
}

interface Shape {
  label: string;
  sessions: number;
  perSession: number;
  entries: number;
  everyMs: number;
}

/** Opens the shape's subscribers on `helmr server`, runs a ticker per session, and prints what they saw and what they cost. */
async function measure(ctx: BenchContext, api: BenchApi, shape: Shape, baseline: Summary): Promise<void> {
  const admin = new Redis(ctx.redisUrl);
  try {
    const sessions = await Promise.all(Array.from({ length: shape.sessions }, () => api.client.sessions.create()));
    // One subscriber first: the process's subscriber connection and first feed are not a subscriber's cost.
    const warm = await subscribe(api, sessions[0].id, false, false);
    const rssBefore = rssOf(api.serverPid!);
    const clientsBefore = await clientsOf(admin);
    const subscribers: Subscriber[] = [];
    for (let s = 0; s < shape.sessions; s++) {
      const opening = [];
      for (let c = 0; c < shape.perSession; c++) {
        const index = s * shape.perSession + c;
        // A tenth read slowly; latency is taken from one client in ten of the others (parsing every event here would load this process more than the API).
        opening.push(subscribe(api, sessions[s].id, index % 10 === 9, index % 10 === 0));
      }
      subscribers.push(...(await Promise.all(opening)));
    }
    const clientsOpen = await clientsOf(admin);
    const rssOpen = rssOf(api.serverPid!);
    const startAt = now() + 1_000 + shape.sessions;
    const cpuBefore = cpuOf(api.serverPid!);
    const ownCpuBefore = process.cpuUsage();
    const runs = await Promise.all(
      sessions.map((session, s) =>
        api.client.tasks.trigger(
          "bench-ticker",
          { count: shape.entries, everyMs: shape.everyMs, startAt: startAt + (s * shape.everyMs) / shape.sessions },
          { sessionId: session.id },
        ),
      ),
    );
    const fast = subscribers.filter((subscriber) => !subscriber.slow);
    await until(() => fast.every((subscriber) => subscriber.received === shape.entries), 120_000, "every fast subscriber to get every entry");
    const rssAfter = rssOf(api.serverPid!);
    const cpuMs = cpuOf(api.serverPid!) - cpuBefore;
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const ownCpuMs = (ownCpu.user + ownCpu.system) / 1000;
    await until(() => subscribers.every((subscriber) => subscriber.received === shape.entries), 300_000, "every slow subscriber to catch up");
    for (const { runId } of runs) while ((await api.client.runs.retrieve(runId)).status !== "completed") await new Promise((r) => setTimeout(r, 20));
    const n = subscribers.length;
    console.log(`${shape.label}: ${n} subscribers (a tenth reading 100 ms a second), ${shape.entries} entries ${shape.everyMs} ms apart per session`);
    const kib = (bytes: number) => `${(bytes / n / 1024).toFixed(1)} KiB`;
    console.log(row("  append -> event, a sample of the fast clients", summarize(fast.flatMap((subscriber) => subscriber.latencies)), baseline, "raw XREAD"));
    console.log(
      `  API RSS per subscriber: ${kib(rssOpen - rssBefore)} open, ${kib(rssAfter - rssBefore)} after the entries (${(rssBefore / 2 ** 20).toFixed(0)} -> ${(rssOpen / 2 ** 20).toFixed(0)} -> ${(rssAfter / 2 ** 20).toFixed(0)} MiB)`,
    );
    console.log(
      `  Redis connections: ${clientsOpen - clientsBefore} more for ${n} subscribers; every slow subscriber got all ${shape.entries} entries in the end`,
    );
    console.log(
      `  CPU: the API ${(cpuMs / 1000).toFixed(1)} s (${((cpuMs * 1000) / (n * shape.entries)).toFixed(1)} µs per event delivered), the clients (this process) ${(ownCpuMs / 1000).toFixed(1)} s, on ${
        (shape.entries * shape.everyMs) / 1000
      } s of appends`,
    );
    for (const subscriber of [warm, ...subscribers]) subscriber.close();
    await Promise.all(sessions.map((session) => api.client.sessions.delete(session.id)));
  } finally {
    admin.disconnect();
  }
}

/**
 * Browsers following session output over server-sent events, against `helmr server` in a
 * process of its own: 1,000 and 5,000 subscribers on one session, and 1,000 sessions with
 * one each, a tenth of them slow readers. Latency is from the append (the run's clock) to
 * the subscriber holding the event (this process's: the same clock), next to a raw XREAD
 * BLOCK reader of a stream measured in the same run.
 */
export async function subscriberBenchmarks({ entries, sizes }: { entries: number; sizes: number[] }): Promise<void> {
  const ctx = await benchContext();
  try {
    await ctx.engine.ready();
    const worker = await createWorker({ tasks: [ticker], redis: ctx.redisUrl, prefix: ctx.prefix, concurrency: 2_000, logger: pino({ level: "warn" }) });
    const baseline = await rawXread(ctx, entries, 20);
    console.log(row("raw Redis: XADD -> XREAD BLOCK reader", baseline));
    await withApiProcess(
      ctx,
      async (api) => {
        for (const size of sizes)
          await measure(ctx, api, { label: `One session, ${size} subscribers`, sessions: 1, perSession: size, entries, everyMs: 20 }, baseline);
        await measure(ctx, api, { label: "1,000 sessions, one subscriber each", sessions: 1_000, perSession: 1, entries: 10, everyMs: 500 }, baseline);
      },
      { HELMR_STREAMS_PER_PROCESS: "20000" },
    );
    await worker.close();
  } finally {
    await ctx.close();
  }
}
