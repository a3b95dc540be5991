import { masters } from "@helmr/broker";
import { benchContext, clusterBenchContext, type BenchContext } from "./context.ts";
import { inputToResume, parkRuns, resumeThroughput, startBenchWorker } from "./scenarios/helmr-streams.ts";
import { now, row, summarize, type Summary } from "./stats.ts";

/**
 * The comparison, in one run: the same workload on one Redis and on a 3-master
 * Redis Cluster (AOF on, no replicas; dispatch over 6 runs queue shards): trigger → parked,
 * resumes per second under 64 senders, input → resumed one at a time, and the Redis CPU
 * each master spent per resume (INFO cpu), which should split over the masters.
 */
export async function clusterBenchmarks(options: { runs: number; probes: number }): Promise<void> {
  const results: { name: string; triggers: number; resumes: number; cpu: number[]; latency: Summary }[] = [];
  for (const [name, open] of [
    ["one Redis", () => benchContext()],
    ["3-master cluster, 6 queue shards", () => clusterBenchContext(3, 6)],
  ] as const) {
    const ctx = await open();
    const worker = await startBenchWorker(ctx);
    try {
      const t0 = now();
      const parked = await parkRuns(ctx, options.runs, "cl");
      const triggers = options.runs / ((now() - t0) / 1000);
      const before = await cpuSeconds(ctx);
      const resumes = await resumeThroughput(ctx, parked);
      const after = await cpuSeconds(ctx);
      const cpu = after.map((seconds, i) => ((seconds - before[i]) * 1e6) / options.runs);
      const latency = await inputToResume(ctx, await parkRuns(ctx, options.probes, "probe"));
      results.push({ name, triggers, resumes, cpu, latency });
    } finally {
      await worker.close();
      await ctx.close();
    }
  }
  const acks = await acknowledgementCost(options.probes);
  console.log(`Redis Cluster: ${options.runs.toLocaleString("en")} runs each (trigger → park on input → input → resumed), ${options.probes} latency probes`);
  for (const r of results) {
    console.log(row(`Helmr on ${r.name}: input -> resumed`, r.latency, results[0].latency, "one Redis"));
    console.log(
      `Helmr on ${r.name}: ${r.triggers.toFixed(0)} triggers/s to parked, ${r.resumes.toFixed(0)} resumes/s; Redis CPU per resume by master: ${r.cpu.map((us) => `${us.toFixed(0)} µs`).join(", ")} (total ${r.cpu.reduce((a, b) => a + b).toFixed(0)} µs)`,
    );
  }
  console.log(row("3 masters with a replica each: input delivered -> acknowledged", acks.without));
  console.log(row("the same with HELMR_REDIS_WAIT_REPLICAS=1 (WAIT)", acks.with, acks.without, "no WAIT"));
}

/**
 * What HELMR_REDIS_WAIT_REPLICAS=1 adds to an acknowledgement: an input delivered (buffered,
 * no run waits) and, with it, confirmed on the replica, as the API does before its 202;
 * the two interleaved on one cluster of 3 masters with a replica each.
 */
async function acknowledgementCost(count: number): Promise<{ without: Summary; with: Summary }> {
  const ctx = await clusterBenchContext(3, 6, { replicasPerMaster: 1, waitReplicas: 1 });
  try {
    const { session } = await ctx.engine.sessions.create({});
    const without: number[] = [];
    const withWait: number[] = [];
    for (let i = 0; i < count; i++) {
      for (const wait of [false, true]) {
        // The setting, switched for each delivery: the same engine and connections either way.
        ctx.engine.resources.waitReplicas = wait ? 1 : 0;
        const t0 = now();
        await ctx.engine.streams.deliver(session.id, "acks", i, "");
        (wait ? withWait : without).push(now() - t0);
      }
    }
    return { without: summarize(without.slice(50)), with: summarize(withWait.slice(50)) };
  } finally {
    await ctx.close();
  }
}

/** used_cpu_sys + used_cpu_user of each master, in seconds. */
async function cpuSeconds(ctx: BenchContext): Promise<number[]> {
  return Promise.all(
    masters(ctx.engine.resources.redis).map(async (node) => {
      const info = await node.info("cpu");
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
      return field("used_cpu_sys") + field("used_cpu_user");
    }),
  );
}
