import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedRedis, type EmbeddedRedis } from "@helmr/embedded-redis";
import type {} from "vitest";
import type { TestProject } from "vitest/node";

/**
 * One redis-server for the whole suite, on a free loopback port with AOF on, never the
 * machine's own 6379. Tests isolate themselves by key prefix (test/harness/stack.ts).
 */
let redis: EmbeddedRedis | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), "helmr-test-redis-"));
  redis = await startEmbeddedRedis({ dir });
  project.provide("redisUrl", redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
