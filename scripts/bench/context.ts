import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine, type HelmrEngine } from "@helmr/broker";
import { startEmbeddedRedis, startLocalCluster } from "@helmr/embedded-redis";
import { pino } from "pino";

export interface BenchContext {
  redisUrl: string;
  /** Runs queue shards (HELMR_QUEUE_SHARDS) of the engine, which the bench's workers use too. */
  queueShards: number;
  engine: HelmrEngine;
  prefix: string;
  close(): Promise<void>;
}

/** A private redis-server with AOF on (appendfsync everysec), as Helmr runs in production. */
export async function benchContext(): Promise<BenchContext> {
  const dir = mkdtempSync(join(tmpdir(), "helmr-bench-"));
  const redis = await startEmbeddedRedis({ dir, appendonly: true });
  const prefix = "bench";
  const engine = createEngine({ redisUrl: redis.url, prefix, logger: pino({ level: "warn" }) });
  return {
    redisUrl: redis.url,
    queueShards: 1,
    engine,
    prefix,
    close: async () => {
      await engine.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A private Redis Cluster of `masters` masters (no replicas unless asked), AOF on, dispatching over `queueShards` runs queues. */
export async function clusterBenchContext(
  masters: number,
  queueShards: number,
  options: { replicasPerMaster?: number; waitReplicas?: number } = {},
): Promise<BenchContext> {
  const dir = mkdtempSync(join(tmpdir(), "helmr-bench-cluster-"));
  const cluster = await startLocalCluster({ dir, masters, replicasPerMaster: options.replicasPerMaster ?? 0, appendonly: true });
  const prefix = "bench";
  const engine = createEngine({ redisUrl: cluster.url, prefix, logger: pino({ level: "warn" }), queueShards, waitReplicas: options.waitReplicas });
  return {
    redisUrl: cluster.url,
    queueShards,
    engine,
    prefix,
    close: async () => {
      await engine.close();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
