import { cpus } from "node:os";
import { clusterBenchmarks } from "./cluster.ts";
import { benchContext } from "./context.ts";
import { conversationBenchmarks } from "./conversation.ts";
import { childBenchmarks } from "./children.ts";
import { retentionSoak } from "./retention.ts";
import { helmrRuns } from "./scenarios/helmr-runs.ts";
import { rawBullmq, startRawBaseline } from "./scenarios/raw-bullmq.ts";
import { snapshotBenchmarks } from "./snapshots.ts";
import { DELAY_MS, row } from "./stats.ts";
import { streamBenchmarks } from "./streams.ts";
import { upgradeBenchmarks } from "./upgrades.ts";
import { flowBenchmarks } from "./flow.ts";
import { scheduleBenchmarks } from "./schedules.ts";
import { replyBenchmarks } from "./reply.ts";
import { subscriberBenchmarks } from "./subscribers.ts";
import { roundTripTraces } from "./round-trips.ts";
import { tracingBenchmarks } from "./tracing.ts";

/**
 * `npm run bench`: Helmr next to raw BullMQ, in one run, against one private Redis with
 * AOF on. Not part of the test suite: timings on shared machines are noisy, so figures are
 * printed and compared, never asserted. BENCH_ONLY=runs|streams|conversation|children|retention|snapshots|cluster|upgrades|flow|schedules|reply|subscribers|round-trips|tracing runs one group.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3000);
const TIMER_RUNS = Number(process.env.BENCH_TIMER_RUNS ?? 500);
const only = process.env.BENCH_ONLY;

console.log(`Helmr benchmarks: node ${process.version}, ${cpus().length} cores, Redis AOF on (appendfsync everysec)\n`);
if (!only || only === "runs") {
  const ctx = await benchContext();
  try {
    console.log(`${RUNS} runs, ${TIMER_RUNS} timers due ${DELAY_MS} ms ahead`);
    const raw = await rawBullmq(ctx.redisUrl, RUNS, TIMER_RUNS);
    const baseline = await startRawBaseline(ctx.redisUrl);
    const helmr = await helmrRuns(ctx, RUNS, TIMER_RUNS, baseline);
    await baseline.close();
    console.log(row("raw BullMQ: add -> handler", raw.handoff));
    console.log(row("raw BullMQ: add -> handler, interleaved", helmr.rawInterleaved!));
    console.log(row("Helmr: trigger -> task's first line", helmr.trigger, raw.handoff));
    console.log(row("Helmr: trigger -> task's first line", helmr.trigger, helmr.rawInterleaved!, "interleaved raw"));
    console.log(row("raw BullMQ: delayed job due -> handler", raw.delayed));
    console.log(row("Helmr: timer due -> resumed code", helmr.timer, raw.delayed));
  } finally {
    await ctx.close();
  }
  console.log("");
}
if (!only || only === "streams") {
  await streamBenchmarks({
    probes: Number(process.env.BENCH_PROBES ?? 1000),
    parked: Number(process.env.BENCH_PARKED ?? 100_000),
    throughputRuns: Number(process.env.BENCH_THROUGHPUT_RUNS ?? 20_000),
  });
  console.log("");
}
if (!only || only === "conversation") {
  await conversationBenchmarks({
    probes: Number(process.env.BENCH_CONVERSATION_PROBES ?? 300),
    coldProbes: Number(process.env.BENCH_COLD_PROBES ?? 15),
    warmRunsForMemory: Number(process.env.BENCH_WARM_MEMORY_RUNS ?? 2000),
  });
  console.log("");
}
if (!only || only === "children") {
  await childBenchmarks({ probes: Number(process.env.BENCH_CHILD_PROBES ?? 500), batch: 1_000, batches: Number(process.env.BENCH_BATCHES ?? 10) });
  console.log("");
}
if (!only || only === "retention") {
  await retentionSoak({ runs: Number(process.env.BENCH_SOAK_RUNS ?? 200_000), wave: 1_000, probes: Number(process.env.BENCH_PROBES_SOAK ?? 300) });
  console.log("");
}
if (!only || only === "cluster") {
  await clusterBenchmarks({ runs: Number(process.env.BENCH_CLUSTER_RUNS ?? 20_000), probes: Number(process.env.BENCH_PROBES_CLUSTER ?? 500) });
  console.log("");
}
if (!only || only === "upgrades") {
  await upgradeBenchmarks({ parked: Number(process.env.BENCH_UPGRADE_PARKED ?? 10_000) });
  console.log("");
}
if (!only || only === "flow") {
  await flowBenchmarks({ probes: Number(process.env.BENCH_FLOW_PROBES ?? 1000), noisy: Number(process.env.BENCH_FLOW_NOISY ?? 1000) });
  console.log("");
}
if (!only || only === "schedules") {
  await scheduleBenchmarks({
    count: Number(process.env.BENCH_SCHEDULES ?? 10_000),
    probes: Number(process.env.BENCH_SCHEDULE_PROBES ?? 20),
    seconds: Number(process.env.BENCH_SCHEDULE_SECONDS ?? 15),
  });
  console.log("");
}
if (!only || only === "reply") {
  await replyBenchmarks({ turns: Number(process.env.BENCH_REPLY_TURNS ?? 500) });
  console.log("");
}
if (!only || only === "subscribers") {
  await subscriberBenchmarks({ entries: Number(process.env.BENCH_SUBSCRIBER_ENTRIES ?? 200), sizes: [1_000, 5_000] });
  console.log("");
}
if (!only || only === "tracing") {
  await tracingBenchmarks({ turns: Number(process.env.BENCH_TRACING_TURNS ?? 1000) });
  console.log("");
}
if (!only || only === "round-trips") {
  await roundTripTraces();
  console.log("");
}
if (!only || only === "snapshots") {
  await snapshotBenchmarks({ parked: Number(process.env.BENCH_SNAPSHOT_PARKED ?? 100_000), probes: Number(process.env.BENCH_PROBES ?? 1000) });
}
process.exit(0);
