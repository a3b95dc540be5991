import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/harness/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites share one redis-server (each test uses its own key prefix); files run in
    // parallel on the two cores.
    pool: "forks",
    maxWorkers: 2,
  },
});
