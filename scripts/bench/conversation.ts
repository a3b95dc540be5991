import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createWorker, step, streams, task, type HelmrWorker } from "@helmr/sdk";
import { pino } from "pino";
import { benchContext, type BenchContext } from "./context.ts";
import { startRawBaseline, type RawBaseline } from "./scenarios/raw-bullmq.ts";
import { Signal, now, row, summarize, type Summary } from "./stats.ts";

/**
 * One long conversation (a chat-style task, one input at a time), input
 * to resumed code at turns 10, 1,000 and 10,000, warm (the worker that parked the run keeps
 * it) and cold (that worker restarted before the turn, so the run replays its journal),
 * Redis bytes per turn, and the worker's memory per parked run kept warm.
 */
const message = streams.input<string>("chat");
const resumed = new Signal<number>();

/** Waits for a message, answers it with a small step, and waits again: forever. */
const chat = task({
  id: "bench-chat",
  retry: { maxAttempts: 1 },
  run: async () => {
    for (;;) {
      await message.wait();
      resumed.push(now());
      await step.run("reply", () => "ok");
    }
  },
});

/** Parks once and stays parked: for the worker's memory per warm parked run. */
const idle = task({ id: "bench-idle", retry: { maxAttempts: 1 }, run: async () => void (await message.wait()) });

export async function conversationBenchmarks(options: { probes: number; coldProbes: number; warmRunsForMemory: number }): Promise<void> {
  const ctx = await benchContext();
  const startWorker = () => createWorker({ tasks: [chat, idle], redis: ctx.redisUrl, prefix: ctx.prefix, concurrency: 50, logger: pino({ level: "warn" }) });
  let worker = await startWorker();
  const baseline = await startRawBaseline(ctx.redisUrl);
  try {
    // A first conversation warms up the JIT and the connections, so turn 10 of the measured one is not its first.
    const warmUp = await ctx.engine.runs.trigger("bench-chat", { payload: {} });
    await advanceTo({ ctx, ...warmUp, turn: 0 }, 500);
    const { runId, sessionId } = await ctx.engine.runs.trigger("bench-chat", { payload: {} });
    const conversation = { ctx, runId, sessionId, turn: 0 };
    const { redis, keys } = ctx.engine.resources;
    const runBytes = async () => Number(await redis.call("MEMORY", "USAGE", keys.run(runId), "SAMPLES", "0"));
    const streamBytes = async () => Number(await redis.call("MEMORY", "USAGE", keys.inputStream(sessionId, "chat"), "SAMPLES", "0"));

    const bytes: { turn: number; run: number; stream: number }[] = [];
    const series: { turn: number; helmr: Summary; raw: Summary }[] = [];
    for (const milestone of [10, 1_000, 10_000]) {
      await advanceTo(conversation, milestone);
      bytes.push({ turn: conversation.turn, run: await runBytes(), stream: await streamBytes() });
      series.push({ turn: milestone, ...(await warmTurns(conversation, options.probes, baseline)) });
    }
    for (const s of series) {
      console.log(row("raw BullMQ: add -> handler, interleaved", s.raw));
      console.log(row(`Helmr: input -> resumed code, warm, turn ${s.turn.toLocaleString("en")}`, s.helmr, s.raw));
    }
    const first = series[0].helmr;
    const last = series.at(-1)!.helmr;
    console.log(`Helmr: warm turn 10,000 against turn 10: ${(last.p50 / first.p50).toFixed(2)}x p50, ${(last.p99 / first.p99).toFixed(2)}x p99`);

    // Cold: the worker that keeps the run restarts before each of these turns.
    const cold: number[] = [];
    for (let i = 0; i < options.coldProbes; i++) {
      await worker.close();
      worker = await startWorker();
      cold.push(await oneTurn(conversation));
    }
    console.log(row(`Helmr: input -> resumed code, cold (worker restarted), turn ${conversation.turn.toLocaleString("en")}`, summarize(cold)));

    const [a, b] = [bytes[1], bytes[2]];
    const turns = b.turn - a.turn;
    console.log(
      `Redis bytes per turn (small input, small step result), turns ${a.turn.toLocaleString("en")} to ${b.turn.toLocaleString("en")}: run (journal and events) ${((b.run - a.run) / turns).toFixed(0)}, input stream ${((b.stream - a.stream) / turns).toFixed(0)}`,
    );
    console.log(
      `Worker memory per parked run kept warm: ${(await warmMemoryPerRun(ctx, options.warmRunsForMemory)).toFixed(0)} bytes (over ${options.warmRunsForMemory.toLocaleString("en")} runs)`,
    );
  } finally {
    await worker.close();
    await baseline.close();
    await ctx.close();
  }
}

interface Conversation {
  ctx: BenchContext;
  runId: string;
  sessionId: string;
  turn: number;
}

/** One input to the conversation, and the time until its code resumed (ms). */
async function oneTurn(c: Conversation): Promise<number> {
  const { redis, keys } = c.ctx.engine.resources;
  while ((await redis.hget(keys.run(c.runId), "status")) !== "waiting") await new Promise((r) => setImmediate(r));
  const next = resumed.next();
  const t0 = now();
  await c.ctx.engine.streams.deliver(c.sessionId, "chat", "hi");
  const at = await next;
  c.turn++;
  return at - t0;
}

async function advanceTo(c: Conversation, turn: number): Promise<void> {
  while (c.turn < turn) await oneTurn(c);
}

/** `probes` turns from here, each after one raw BullMQ handoff, so both see the same moments of a noisy machine. */
async function warmTurns(c: Conversation, probes: number, raw: RawBaseline): Promise<{ helmr: Summary; raw: Summary }> {
  const helmr: number[] = [];
  const rawSamples: number[] = [];
  for (let i = 0; i < probes; i++) {
    rawSamples.push(await raw.handoff());
    helmr.push(await oneTurn(c));
  }
  return { helmr: summarize(helmr), raw: summarize(rawSamples) };
}

/** The worker's heap per parked run it keeps warm: `count` idle runs parked in a fresh worker. */
async function warmMemoryPerRun(ctx: BenchContext, count: number): Promise<number> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const worker: HelmrWorker = await createWorker({
    tasks: [idle],
    redis: ctx.redisUrl,
    prefix: ctx.prefix,
    concurrency: 200,
    warmRuns: count,
    logger: pino({ level: "warn" }),
  });
  try {
    gc();
    const before = process.memoryUsage().heapUsed;
    const runs = await Promise.all(Array.from({ length: count }, () => ctx.engine.runs.trigger("bench-idle", { payload: {} })));
    const { redis, keys } = ctx.engine.resources;
    for (const { runId } of runs) while ((await redis.hget(keys.run(runId), "status")) !== "waiting") await new Promise((r) => setTimeout(r, 5));
    // Twice, a turn apart: what the parks left in flight (replies, finished jobs) is let go first.
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    return (process.memoryUsage().heapUsed - before) / count;
  } finally {
    await worker.close();
  }
}
