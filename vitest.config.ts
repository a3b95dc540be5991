import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineConfig } from "vitest/config";

/**
 * Workspace packages resolve to their TypeScript sources in the repository: each export's
 * "@helmr/source" entry in its package.json, as an alias (Vite does not apply custom export
 * conditions to every module it loads, the global setup included).
 */
const PACKAGES = ["libs/core", "libs/broker", "libs/sdk", "libs/embedded-redis", "config", "apps/api"];
const sourceAliases = PACKAGES.flatMap((dir) => {
  const pjson = JSON.parse(readFileSync(join(import.meta.dirname, dir, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, { "@helmr/source": string }>;
  };
  return Object.entries(pjson.exports).map(([subpath, targets]) => ({
    find: new RegExp(`^${(pjson.name + subpath.slice(1)).replace(/[/.]/g, "\\$&")}$`),
    replacement: resolve(import.meta.dirname, dir, targets["@helmr/source"]),
  }));
});
// The SDK's own `#default-send` import (package.json "imports"), on its Node side: tests run in Node.
sourceAliases.push({ find: /^#default-send$/, replacement: resolve(import.meta.dirname, "libs/sdk/src/client/send-node.ts") });

/**
 * The suites that also run against a Redis Cluster (3 masters, a replica each), as the
 * `cluster` project: triggering, timers, retention and erasure, session streams, tokens,
 * snapshots, the CLI. Together they run every Lua script (cluster-setup.ts checks).
 */
const CLUSTER_SUITES = [
  "test/runtime/trigger.test.ts",
  "test/runtime/replay-run.test.ts",
  "test/runtime/retry-run.test.ts",
  "test/runtime/bulk-actions.test.ts",
  "test/runtime/continue-as-new.test.ts",
  "test/api/triggers-and-sessions.test.ts",
  "test/runtime/timers.test.ts",
  "test/runtime/delayed-trigger.test.ts",
  "test/runtime/retention.test.ts",
  "test/runtime/child-runs.test.ts",
  "test/runtime/batches.test.ts",
  "test/runtime/first.test.ts",
  "test/runtime/versions.test.ts",
  "test/runtime/upgrades.test.ts",
  "test/api/erasure.test.ts",
  "test/streams/*.test.ts",
  "test/tokens/*.test.ts",
  "test/webhooks/*.test.ts",
  "test/snapshots/*.test.ts",
  "test/process/cli.test.ts",
  "test/process/cli-snapshot.test.ts",
  "test/process/server-and-worker.test.ts",
  "test/process/tracing.test.ts",
  "test/process/webhook-outbox.test.ts",
  "test/process/deploys.test.ts",
  "test/process/replay-check.test.ts",
  "test/flow/*.test.ts",
  "test/schedules/*.test.ts",
  "test/cluster/*.test.ts",
];

export default defineConfig({
  resolve: { alias: sourceAliases },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites share one redis-server (each test uses its own key prefix); files run in
    // parallel on the two cores.
    pool: "forks",
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "redis",
          include: ["test/**/*.test.ts"],
          exclude: ["test/cluster/**", "test/packages/**"],
          globalSetup: ["test/harness/global-setup.ts"],
        },
      },
      // Building and packing the packages takes both cores for a minute (and `npm pack` swaps
      // @helmr/broker's lua/ link for a copy): it runs after every other file, alone.
      { extends: true, test: { name: "packages", include: ["test/packages/**/*.test.ts"], sequence: { groupOrder: 1 } } },
      {
        extends: true,
        test: {
          name: "cluster",
          include: CLUSTER_SUITES,
          globalSetup: ["test/harness/cluster-setup.ts"],
          setupFiles: ["test/harness/script-coverage.ts"],
          env: { HELMR_TEST_TARGET: "cluster" },
        },
      },
    ],
  },
});
