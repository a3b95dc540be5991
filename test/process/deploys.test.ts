import { randomBytes } from "node:crypto";
import type { VersionList } from "@helmr/core";
import { describe, expect, it, inject } from "vitest";
import { helmr } from "../harness/cli.ts";
import { eventually } from "../harness/poll.ts";
import { startServerProcess, startedPerTest, type HelmrProcess } from "../harness/processes.ts";
import { runReachesWithin } from "../harness/runs.ts";

/**
 * A deploy as a team does it, with `helmr server` and `helmr worker` processes: runs parked
 * under one version of the task code, the worker replaced by the next version (which adds a
 * step before the wait), the inputs arriving. Before versions, every one of these runs
 * failed with a NonDeterminismError.
 */
const start = startedPerTest();

async function stop(process: HelmrProcess): Promise<void> {
  process.child.kill("SIGTERM");
  expect(await process.exited).toBe(0);
}

const RUNS = 10;

const startServer = () => startServerProcess(start);

describe("deploying new task code", { timeout: 180_000 }, () => {
  it("keeps runs parked under the old code on it: none fails, and an old worker back completes them", async () => {
    const { env, baseUrl, client } = await startServer();
    const cli = { HELMR_API_URL: baseUrl, HELMR_API_KEY: env.HELMR_API_KEYS };

    // Version 1: its version is a fingerprint of its code, printed at start.
    let worker = start(["worker", "test/fixtures/deploy/v1.ts", "--json"], env);
    const v1 = (await worker.json<{ version: string }>(30_000)).version;
    expect(v1).toMatch(/^[0-9a-f]{12}$/);
    await eventually(async () => (await client.versions.list()).current === v1, { what: "version 1 to be current" });
    const parked = [];
    for (let i = 0; i < RUNS; i++) parked.push(await client.tasks.trigger("deploy-approval", {}));
    for (const { runId } of parked) expect((await runReachesWithin(20_000, client, runId, "waiting")).version).toBe(v1);

    // The deploy: version 2 replaces version 1, and the inputs arrive.
    await stop(worker);
    worker = start(["worker", "test/fixtures/deploy/v2.ts", "--json"], env);
    const v2 = (await worker.json<{ version: string }>(30_000)).version;
    expect(v2).not.toBe(v1);
    await eventually(async () => (await client.versions.list()).current === v2, { what: "version 2 to be current" });
    for (const [i, { sessionId }] of parked.entries()) await client.sessions.open(sessionId).input("decision").send(`yes ${i}`);

    // Version 2 serves new runs; the old ones wait for their version, none failed.
    const fresh = await client.tasks.trigger("deploy-approval", {});
    await runReachesWithin(20_000, client, fresh.runId, "waiting");
    await client.sessions.open(fresh.sessionId).input("decision").send("new");
    const done = await runReachesWithin(20_000, client, fresh.runId, "completed");
    expect(done).toMatchObject({ version: v2, output: "v2 (strict): new" });
    for (const { runId } of parked) expect(await client.runs.retrieve(runId)).toMatchObject({ status: "queued", version: v1, error: null });
    const listed = await helmr(["version", "list", "--json"], cli);
    expect(listed.code, listed.stderr).toBe(0);
    expect((listed.json() as VersionList).data).toEqual([
      expect.objectContaining({ version: v1, current: false, liveWorkers: 0 }),
      expect.objectContaining({ version: v2, current: true, liveWorkers: 1 }),
    ]);

    // A worker of version 1 back completes them on version 1's code.
    const old = start(["worker", "test/fixtures/deploy/v1.ts", "--json"], env);
    expect((await old.json<{ version: string }>(30_000)).version).toBe(v1);
    for (const [i, { runId }] of parked.entries()) expect((await runReachesWithin(20_000, client, runId, "completed")).output).toBe(`v1: yes ${i}`);
  });

  it("moves the parked runs to a new version whose code replays them cleanly, named with --code-version", async () => {
    const { env, client } = await startServer();
    const old = start(["worker", "test/fixtures/deploy/v1.ts", "--code-version", "2026-12-01.1", "--json"], env);
    expect((await old.json<{ version: string }>(30_000)).version).toBe("2026-12-01.1");
    await eventually(async () => (await client.versions.list()).current === "2026-12-01.1", { what: "the first version to be current" });
    const run = await client.tasks.trigger("deploy-approval", {});
    await runReachesWithin(20_000, client, run.runId, "waiting");
    await stop(old);

    // The same durable operations in reworded code: its worker moves the run, which completes on it.
    const next = start(["worker", "test/fixtures/deploy/v1-reworded.ts", "--code-version", "2026-12-08.1", "--json"], env);
    expect((await next.json<{ version: string }>(30_000)).version).toBe("2026-12-08.1");
    await eventually(async () => (await client.runs.retrieve(run.runId)).version === "2026-12-08.1", { timeoutMs: 20_000, what: "the run to move" });
    await client.sessions.open(run.sessionId).input("decision").send("yes");
    expect(await runReachesWithin(20_000, client, run.runId, "completed")).toMatchObject({ version: "2026-12-08.1", output: "v1 reworded: yes" });
  });

  it("refuses a version that cannot name a queue, saying what one may be", async () => {
    const env = { HELMR_REDIS_URL: inject("redisUrl"), HELMR_PREFIX: `t-${randomBytes(5).toString("hex")}` };
    const flag = start(["worker", "test/fixtures/deploy/v1.ts", "--code-version", "v 1"], env);
    expect(await flag.exited).toBe(1);
    expect(flag.stderr()).toMatch(/version "v 1" is invalid: must be 1-64 letters, digits and \. _ -/);
    const variable = start(["worker", "test/fixtures/deploy/v1.ts"], { ...env, HELMR_VERSION: "v/1" });
    expect(await variable.exited).not.toBe(0);
    expect(variable.stderr()).toMatch(/HELMR_VERSION.*must be 1-64 letters, digits and \. _ -/);
  });
});
