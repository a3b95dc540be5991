import { markAttended } from "@helmr/broker/snapshots";
import { benchContext } from "./context.ts";
import { rawBullmq, rawBullmqThroughput, startRawBaseline } from "./scenarios/raw-bullmq.ts";
import {
  appendThroughput,
  httpInputToResume,
  httpRoundTrip,
  inputToResume,
  parkRuns,
  resumeThroughput,
  sseLatency,
  startBenchWorker,
  usedMemory,
  withApi,
  withApiProcess,
} from "./scenarios/helmr-streams.ts";
import type { BenchContext } from "./context.ts";
import { row, type Summary } from "./stats.ts";

/**
 * Input to resumed code with 1,000 and with 100,000 other runs parked,
 * resumes per second, Redis memory per parked run, output appends per second and SSE
 * delivery latency, beside raw BullMQ measured in the same run.
 */
export async function streamBenchmarks(options: { probes: number; parked: number; throughputRuns: number }): Promise<void> {
  const ctx = await benchContext();
  try {
    const raw = await rawBullmq(ctx.redisUrl, 2000, 0);
    const baseline = await startRawBaseline(ctx.redisUrl);
    const worker = await startBenchWorker(ctx);
    // As under a server that takes snapshots: the change marks are kept for them, so the
    // figure below measures them (where nobody snapshots, the sweeper drops them).
    await markAttended(ctx.engine.resources.redis, ctx.engine.resources.keys);
    console.log(row("raw BullMQ: add -> handler", raw.handoff));

    await parkRuns(ctx, 1_000, "bg1k");
    const probes1k = await parkRuns(ctx, options.probes, "probe1k");
    const at1k = await inputToResume(ctx, probes1k, baseline);
    console.log(row(`raw BullMQ: add -> handler, interleaved`, at1k.raw));
    console.log(row(`Helmr: input -> resumed code, 1,000 parked`, at1k.helmr, at1k.raw));
    // HTTP probes also reach an idle worker: compared with the interleaved raw handoff.
    await httpSeries(ctx, options.probes, at1k.raw, withApi, { tag: "inproc", label: "" });
    // As deployed: the API in its own process (helmr server), sender and worker in this one.
    await httpSeries(ctx, options.probes, at1k.raw, withApiProcess, { tag: "apart", label: ", API apart" });

    const memoryAt = await usedMemory(ctx);
    const marksAt = await changeMarksBytes(ctx);
    const parkedSoFar = 1_000;
    const more = options.parked - parkedSoFar;
    const t0 = performance.now();
    await parkRuns(ctx, more, "bg");
    const parkSeconds = (performance.now() - t0) / 1000;
    const memoryAfter = await usedMemory(ctx);
    const marks = (await changeMarksBytes(ctx)) - marksAt;
    const probesMany = await parkRuns(ctx, options.probes, "probemany");
    const atMany = await inputToResume(ctx, probesMany, baseline);
    console.log(row(`raw BullMQ: add -> handler, interleaved`, atMany.raw));
    console.log(row(`Helmr: input -> resumed code, ${options.parked.toLocaleString("en")} parked`, atMany.helmr, atMany.raw));
    // Snapshot change marks (one per session changed since the last snapshot) are counted
    // apart: a snapshot clears them, so a run parked for longer than the interval has none.
    console.log(
      `Redis memory per parked run (waiting on input, one session each): ${((memoryAfter - memoryAt - marks) / more).toFixed(0)} bytes, plus ${(marks / more).toFixed(0)} bytes of snapshot change marks until the next snapshot (over ${more.toLocaleString("en")} runs; ${(more / parkSeconds).toFixed(0)} runs triggered and parked per second)`,
    );

    const targets = await parkRuns(ctx, options.throughputRuns, "tput");
    const cpu0 = await cpuNow(ctx);
    const stopProfile = await profileIf("helmr-throughput");
    const perSecond = await resumeThroughput(ctx, targets);
    await stopProfile();
    const cpu1 = await cpuNow(ctx);
    const rawPerSecond = await rawBullmqThroughput(ctx.redisUrl, options.throughputRuns);
    const cpu2 = await cpuNow(ctx);
    if (process.env.BENCH_CPU)
      console.log(
        `cpu µs per item: helmr redis ${((cpu1.redis - cpu0.redis) / options.throughputRuns).toFixed(1)} node ${((cpu1.node - cpu0.node) / options.throughputRuns).toFixed(1)}; raw redis ${((cpu2.redis - cpu1.redis) / options.throughputRuns).toFixed(1)} node ${((cpu2.node - cpu1.node) / options.throughputRuns).toFixed(1)}`,
      );
    console.log(
      `raw BullMQ: jobs added, handled and completed: ${rawPerSecond.toFixed(0)} per second (${options.throughputRuns.toLocaleString("en")} jobs, 64 concurrent producers, worker concurrency 200)`,
    );
    console.log(
      `Helmr: inputs matched and runs resumed: ${perSecond.toFixed(0)} per second (${options.throughputRuns.toLocaleString("en")} runs, 64 concurrent senders, worker concurrency 200)   ${(perSecond / rawPerSecond).toFixed(2)}x raw`,
    );

    const appends = await appendThroughput(ctx, 50, 200);
    console.log(`Helmr: output appends: ${appends.toFixed(0)} per second (50 runs appending 200 entries each)`);
    const sse = await sseLatency(ctx, 500);
    console.log(row("Helmr: output append -> SSE event at the client", sse));
    await worker.close();
    await baseline.close();
  } finally {
    await ctx.close();
  }
}

/** A no-op HTTP round trip, then input sent over HTTP to resumed code, through a bare client and through HelmrClient. */
async function httpSeries(ctx: BenchContext, probes: number, baseline: Summary, serve: typeof withApi, series: { tag: string; label: string }): Promise<void> {
  const where = series.label;
  const viaFetch = await parkRuns(ctx, probes, `${series.tag}-fetch`);
  const viaNodeHttp = await parkRuns(ctx, probes, `${series.tag}-http`);
  await serve(ctx, async (api) => {
    console.log(row(`HTTP no-op round trip (GET /healthz)${where}`, await httpRoundTrip(api, probes)));
    console.log(row(`Helmr: HTTP input -> resumed${where}, node:http`, await httpInputToResume(api, viaNodeHttp, "node:http"), baseline));
    console.log(row(`Helmr: HTTP input -> resumed${where}, HelmrClient`, await httpInputToResume(api, viaFetch, "fetch"), baseline));
  });
}

async function profileIf(name: string): Promise<() => Promise<void>> {
  if (!process.env.BENCH_PROFILE) return async () => {};
  const { Session } = await import("node:inspector/promises");
  const { writeFileSync } = await import("node:fs");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(`${process.env.BENCH_PROFILE}/${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

/** Redis's command counts at the last cpuNow (BENCH_CPU): the next one prints what ran since. */
let lastCalls: Record<string, number> = {};

async function cpuNow(ctx: BenchContext): Promise<{ redis: number; node: number }> {
  const info = await ctx.engine.resources.redis.info("cpu");
  const seconds = Number(/used_cpu_user:([\d.]+)/.exec(info)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]);
  const usage = process.cpuUsage();
  if (process.env.BENCH_CPU) {
    const stats = await ctx.engine.resources.redis.info("commandstats");
    const calls = Object.fromEntries([...stats.matchAll(/cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    const delta = Object.entries(calls)
      .map(([k, v]) => [k, v - (lastCalls[k] ?? 0)] as const)
      .filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1]);
    lastCalls = calls;
    console.log("commands since last:", delta.map(([k, v]) => `${k}=${v}`).join(" "));
  }
  return { redis: seconds * 1e6, node: usage.user + usage.system };
}

async function changeMarksBytes(ctx: BenchContext): Promise<number> {
  const { redis, keys } = ctx.engine.resources;
  let bytes = 0;
  for (const shard of keys.shards) bytes += Number((await redis.call("MEMORY", "USAGE", shard.changes(), "SAMPLES", "0")) ?? 0);
  return bytes;
}
