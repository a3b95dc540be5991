import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadLuaScripts } from "@helmr/broker";
import { startLocalCluster, type LocalCluster } from "@helmr/embedded-redis";
import type {} from "vitest";
import type { TestProject } from "vitest/node";

/**
 * For the `cluster` project (vitest.config.ts): one Redis Cluster of 3 masters with a
 * replica each, on free loopback ports, whose URL (`redis+cluster://…`) the suites get as
 * "redisUrl", so the same tests run unchanged against it. Once every suite has run, every
 * Lua script must have run on a cluster without an error (script-coverage.ts records them).
 */
let cluster: LocalCluster | undefined;
let dir: string | undefined;
let coverageDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), "helmr-test-cluster-"));
  coverageDir = mkdtempSync(join(tmpdir(), "helmr-script-coverage-"));
  cluster = await startLocalCluster({ dir, masters: 3, replicasPerMaster: 1 });
  project.provide("redisUrl", cluster.url);
  project.provide("scriptCoverageDir", coverageDir);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (!coverageDir) return;
  const ran = new Set(readdirSync(coverageDir).flatMap((file) => readFileSync(join(coverageDir!, file), "utf8").split("\n")));
  rmSync(coverageDir, { recursive: true, force: true });
  // Only a run of every suite says anything: a run of some files or tests covers some scripts.
  if (process.argv.some((arg) => arg.includes("test/") || arg.includes(".test.") || arg === "-t" || arg.startsWith("--testNamePattern"))) return;
  const never = loadLuaScripts()
    .filter((script) => !ran.has(createHash("sha1").update(script.lua).digest("hex")))
    .map((script) => script.name);
  if (never.length === 0) return;
  // Vitest reports an error thrown here but still exits 0: the exit code is set instead.
  console.error(
    `FAILED: Lua scripts that never ran on the Redis Cluster in the cluster suites (add a suite that runs them to CLUSTER_SUITES): ${never.join(", ")}`,
  );
  process.exitCode = 1;
}

declare module "vitest" {
  export interface ProvidedContext {
    scriptCoverageDir: string;
  }
}
