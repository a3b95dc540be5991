import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReplayCheckReport } from "@helmr/sdk/replay";
import { afterEach, describe, expect, it } from "vitest";
import * as v1 from "../fixtures/deploy/v1.ts";
import { helmr } from "../harness/cli.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

type Checked = ReplayCheckReport & { stranded: { taskId: string; version: string; pinned: number }[] };

/** `helmr replay-check`, as a team runs it in CI before deploying: on the live Redis, and on a snapshot without Redis. */
describe("helmr replay-check", { timeout: 120_000 }, () => {
  it("tells which parked runs the next code replays cleanly, and fails CI when some would stay on a version no worker runs", async () => {
    stack = await startStack();
    // Version 1 of the fixture's code runs in a worker here: its version is the fingerprint the CLI computes for v1.ts.
    const worker = await stack.startWorker({ tasks: v1 });
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await stack.client.tasks.trigger("deploy-approval"));
    for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");
    const live = { HELMR_REDIS_URL: stack.redisUrl, HELMR_PREFIX: stack.prefix };

    // On the live Redis, with version 1's worker up: the runs would stay, and can, since a worker runs them.
    const changed = await helmr(["replay-check", "test/fixtures/deploy/v2.ts", "--json"], live);
    expect(changed.code, changed.stderr).toBe(0);
    const report = changed.json() as Checked;
    expect(report.groups).toEqual([
      {
        taskId: "deploy-approval",
        version: worker.version,
        upgrade: 0,
        pinned: 3,
        differences: runs.map(({ runId }) => ({ runId, position: 0, recorded: 'a wait on input stream "decision"', reached: 'step "load-policy"' })),
      },
    ]);
    expect(report.stranded).toEqual([]);
    // The same code the worker runs has nothing to check.
    const same = await helmr(["replay-check", "test/fixtures/deploy/v1.ts", "--json"], live);
    expect(same.json()).toMatchObject({ version: worker.version, groups: [], skipped: 3 });

    // From a snapshot, with no Redis at all: no worker of version 1 is known to run, so CI fails the deploy.
    const dataDir = mkdtempSync(join(tmpdir(), "helmr-replay-check-"));
    const created = await helmr(["snapshot", "create", "--json"], { ...live, HELMR_DATA_DIR: dataDir });
    expect(created.code, created.stderr).toBe(0);
    const offline = await helmr(["replay-check", "test/fixtures/deploy/v2.ts", "--snapshot", "latest"], { HELMR_DATA_DIR: dataDir });
    expect(offline.code).toBe(1);
    expect(offline.stdout).toContain("3 runs of deploy-approval would stay on version");
    expect(offline.stdout).toContain('the journal has a wait on input stream "decision"; this code reaches step "load-policy"');
    // Code that meets the journals passes: every run would move to it.
    const reworded = await helmr(["replay-check", "test/fixtures/deploy/v1-reworded.ts", "--snapshot", "latest", "--json"], { HELMR_DATA_DIR: dataDir });
    expect(reworded.code, reworded.stderr).toBe(0);
    expect((reworded.json() as Checked).groups).toEqual([expect.objectContaining({ version: worker.version, upgrade: 3, pinned: 0 })]);

    // --task narrows the check to one task, which the module must define.
    const narrowed = await helmr(["replay-check", "test/fixtures/deploy/v2.ts", "--task", "deploy-approval", "--json"], live);
    expect((narrowed.json() as Checked).groups.map((group) => group.pinned)).toEqual([3]);
    const unknownTask = await helmr(["replay-check", "test/fixtures/deploy/v2.ts", "--task", "nope"], live);
    expect(unknownTask.code).toBe(1);
    expect(unknownTask.stderr).toContain('defines no task "nope"');

    const neither = await helmr(["replay-check", "test/fixtures/deploy/v2.ts"], {});
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain("Set HELMR_REDIS_URL to check the runs parked in Redis");
  });
});
