import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3SnapshotStore, SnapshotService } from "@helmr/broker/snapshots";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { benchContext } from "./context.ts";
import { inputToResume, parkRuns, startBenchWorker } from "./scenarios/helmr-streams.ts";
import { row } from "./stats.ts";

/**
 * A full snapshot of many parked runs to S3 (s3rver on loopback), its
 * time and bytes (s3rver in its own process); restoring it into an emptied Redis; and input-to-resume latency while
 * snapshots run next to while none does.
 */
export async function snapshotBenchmarks(options: { parked: number; probes: number }): Promise<void> {
  const ctx = await benchContext();
  const directory = mkdtempSync(join(tmpdir(), "helmr-bench-s3-"));
  const s3 = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "s3-server.ts"), directory], { stdio: ["ignore", "pipe", "inherit"] });
  const { port } = JSON.parse((await once(createInterface({ input: s3.stdout! }), "line"))[0] as string) as { port: number };
  const store = new S3SnapshotStore({
    bucket: "bench",
    prefix: "",
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
  });
  const snapshots = new SnapshotService(ctx.engine, store, { fullEvery: 12, retain: 3, intervalMs: 0 });
  const worker = await startBenchWorker(ctx);
  try {
    await parkRuns(ctx, options.parked, "snap");
    const { redis, keys } = ctx.engine.resources;
    let changesBytes = 0;
    for (const shard of keys.shards) changesBytes += Number((await redis.call("MEMORY", "USAGE", shard.changes())) ?? 0);
    console.log(`Change marks before the first snapshot: ${(changesBytes / options.parked).toFixed(0)} bytes per changed session (cleared by each snapshot)`);

    const full = await snapshots.create();
    const m = full.manifest;
    console.log(
      `Snapshot, full, ${options.parked.toLocaleString("en")} parked runs to S3: ${(full.durationMs / 1000).toFixed(2)} s, ${(m.bytes / 1e6).toFixed(1)} MB gzipped in ${m.parts.length} parts (${(m.bytes / options.parked).toFixed(0)} bytes per run)`,
    );

    const probes = await parkRuns(ctx, options.probes, "snapprobe");
    const quiet = await inputToResume(ctx, probes.slice(0, options.probes / 2));
    console.log(row("Helmr: input -> resumed code, no snapshot", quiet));
    let running = true;
    let during = 0;
    const loop = (async () => {
      while (running) {
        await snapshots.create({ full: true });
        during++;
      }
    })();
    const busy = await inputToResume(ctx, probes.slice(options.probes / 2));
    running = false;
    await loop;
    console.log(`${row(`Helmr: input -> resumed code, during snapshots`, busy, quiet, "no-snapshot")}  (${during} full snapshots meanwhile)`);

    await worker.close();
    await redis.flushall();
    // The newest snapshot: the first one was pruned by the ones taken during the probes.
    const restored = await snapshots.restore();
    console.log(
      `Restore of the newest full snapshot into an empty Redis: ${(restored.durationMs / 1000).toFixed(2)} s (${restored.sessions.toLocaleString("en")} sessions, ${restored.jobs} jobs)`,
    );
  } finally {
    await snapshots.close();
    await ctx.close();
    s3.kill();
    rmSync(directory, { recursive: true, force: true });
  }
}
