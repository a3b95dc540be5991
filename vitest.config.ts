import { defineConfig } from "vitest/config";

/** Workspace packages resolve to their TypeScript sources in the repository (package.json "@helmr/source"). */
const conditions = ["@helmr/source"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
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
