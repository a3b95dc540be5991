import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalCluster, type LocalCluster } from "@helmr/embedded-redis";
import type {} from "vitest";
import type { TestProject } from "vitest/node";

/**
 * For the `cluster` project (vitest.config.ts): one Redis Cluster of 3 masters with a
 * replica each, on free loopback ports, whose URL (`redis+cluster://…`) the suites get as
 * "redisUrl", so the same tests run unchanged against it.
 */
let cluster: LocalCluster | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), "helmr-test-cluster-"));
  cluster = await startLocalCluster({ dir, masters: 3, replicasPerMaster: 1 });
  project.provide("redisUrl", cluster.url);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
