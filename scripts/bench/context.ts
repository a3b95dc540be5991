import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine, type HelmrEngine } from "@helmr/broker";
import { startEmbeddedRedis, type EmbeddedRedis } from "@helmr/embedded-redis";
import { pino } from "pino";

export interface BenchContext {
  redis: EmbeddedRedis;
  redisUrl: string;
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
    redis,
    redisUrl: redis.url,
    engine,
    prefix,
    close: async () => {
      await engine.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
