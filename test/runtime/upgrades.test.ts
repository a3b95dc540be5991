import { masters } from "@helmr/broker";
import { step, streams, task, timers, versions, type HelmrWorker, type TaskDefinition } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
const METRICS_TOKEN = "metrics-token-for-upgrades-test";
afterEach(() => stack?.close());

/**
 * Upgrade on a clean replay: when a worker of a newer version starts, the runs of older
 * versions whose journals its code meets move to it; the others stay, saying why.
 */
const reply = streams.input<string>("reply");

const approvalV1 = (name: string, options: { versioning?: "pinned" } = {}) =>
  task({ id: "u-approval", ...options, run: async () => `${name}: ${await reply.wait().unwrap()}` });
const napV1 = (name: string) =>
  task({
    id: "u-nap",
    run: async () => {
      await timers.waitFor("1500ms");
      return name;
    },
  });
/** The next version inserts a step before the wait: runs parked before it do not replay on it. */
const approvalWithStep = (name: string) =>
  task({
    id: "u-approval",
    run: async () => {
      await step.run("load-policy", () => "strict");
      return `${name}: ${await reply.wait().unwrap()}`;
    },
  });
/** The same change behind a patch: old runs skip the step, new ones take it. */
const approvalPatched = (name: string) =>
  task({
    id: "u-approval",
    run: async () => {
      const policy = versions.patched("load-policy") ? await step.run("load-policy", () => "took the step") : "skipped the step";
      return `${name} (${policy}): ${await reply.wait().unwrap()}`;
    },
  });

const start = (version: string, tasks: TaskDefinition[]): Promise<HelmrWorker> => stack.startWorker({ tasks, version });

async function parkRuns(taskId: string, count: number) {
  const runs = [];
  for (let i = 0; i < count; i++) runs.push(await stack.client.tasks.trigger(taskId));
  for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");
  return runs;
}

const versionBecomes = (runId: string, version: string) =>
  eventually(async () => (await stack.client.runs.retrieve(runId)).version === version, { what: `run ${runId} to move to ${version}` });

describe("a deploy moves the runs its code replays cleanly", () => {
  it("an unchanged task's parked runs, a timer's among them, move to the new version and complete there with no old worker", async () => {
    stack = await startStack();
    const v1 = await start("v1", [approvalV1("v1"), napV1("v1")]);
    const parked = await parkRuns("u-approval", 3);
    const napping = await stack.client.tasks.trigger("u-nap");
    await runReaches(stack.client, napping.runId, "waiting");
    await v1.close();

    await start("v2", [approvalV1("v2"), napV1("v2")]);
    for (const { runId } of [...parked, napping]) await versionBecomes(runId, "v2");
    const { redis, keys } = stack.engine.resources;
    for (const { runId } of parked) expect(await redis.hget(keys.run(runId), "warm")).toBeNull();
    for (const [i, { sessionId }] of parked.entries()) await stack.client.sessions.open(sessionId).input("reply").send(`yes ${i}`);
    for (const [i, { runId }] of parked.entries()) expect((await runReaches(stack.client, runId, "completed")).output).toBe(`v2: yes ${i}`);
    // Its wake-up job moved to v2's queues with it.
    expect(await runReaches(stack.client, napping.runId, "completed")).toMatchObject({ version: "v2", output: "v2" });
  });

  it("a run whose journal the new code does not meet stays, naming both sides; its version's worker completes it", async () => {
    stack = await startStack();
    const v1 = await start("v1", [approvalV1("v1")]);
    const [run] = await parkRuns("u-approval", 1);
    await v1.close();
    await start("v2", [approvalWithStep("v2")]);
    const pinned = await eventually(async () => (await stack.client.runs.retrieve(run.runId)).notUpgraded ?? undefined, { what: "the check to record why" });
    expect(pinned).toMatchObject({ version: "v2", position: 0, recorded: 'a wait on input stream "reply"', reached: 'step "load-policy"' });
    expect((await stack.client.runs.retrieve(run.runId)).version).toBe("v1");

    await stack.client.sessions.open(run.sessionId).input("reply").send("approved");
    await start("v1", [approvalV1("v1")]);
    expect(await runReaches(stack.client, run.runId, "completed")).toMatchObject({ version: "v1", output: "v1: approved" });
  });

  it("versions.patched() lets old runs replay past a change: they skip the new step on the new version, new runs take it", async () => {
    stack = await startStack();
    const v1 = await start("v1", [approvalV1("v1")]);
    const [old] = await parkRuns("u-approval", 1);
    await v1.close();
    await start("v2", [approvalPatched("v2")]);
    await versionBecomes(old.runId, "v2");
    const [fresh] = await parkRuns("u-approval", 1);
    for (const { sessionId } of [old, fresh]) await stack.client.sessions.open(sessionId).input("reply").send("ok");
    expect((await runReaches(stack.client, old.runId, "completed")).output).toBe("v2 (skipped the step): ok");
    expect((await runReaches(stack.client, fresh.runId, "completed")).output).toBe("v2 (took the step): ok");
    const journal = (await stack.client.runs.journal(fresh.runId)).data;
    expect(journal.map((op) => [op.kind, op.name])).toEqual([
      ["patch", "load-policy"],
      ["step", "load-policy"],
      ["input", "reply"],
    ]);
  });

  it("a run resumed while no worker of its version is alive moves when the new version starts; a pinned task's runs never do", async () => {
    stack = await startStack();
    const v1 = await start("v1", [approvalV1("v1"), task({ id: "u-pinned", versioning: "pinned", run: async () => `v1: ${await reply.wait().unwrap()}` })]);
    const [resumed] = await parkRuns("u-approval", 1);
    const [pinned] = await parkRuns("u-pinned", 1);
    await v1.close();
    for (const { sessionId } of [resumed, pinned]) await stack.client.sessions.open(sessionId).input("reply").send("late");
    expect((await stack.client.runs.retrieve(resumed.runId)).status).toBe("queued");

    await start("v2", [approvalV1("v2"), task({ id: "u-pinned", versioning: "pinned", run: async () => `v2: ${await reply.wait().unwrap()}` })]);
    expect(await runReaches(stack.client, resumed.runId, "completed")).toMatchObject({ version: "v2", output: "v2: late" });
    // The pinned task's run was never checked: it waits for its version.
    expect(await stack.client.runs.retrieve(pinned.runId)).toMatchObject({ status: "queued", version: "v1", notUpgraded: null });
    await start("v1", [approvalV1("v1"), task({ id: "u-pinned", versioning: "pinned", run: async () => `v1: ${await reply.wait().unwrap()}` })]);
    expect(await runReaches(stack.client, pinned.runId, "completed")).toMatchObject({ version: "v1", output: "v1: late" });
  });

  it("GET /versions and the metrics count each version's runs and why some stay, and say when the old version is drained", async () => {
    stack = await startStack({ metricsToken: METRICS_TOKEN });
    const v1 = await start("v1", [approvalV1("v1")]);
    const parked = await parkRuns("u-approval", 2);
    await v1.close();
    await start("v2", [approvalWithStep("v2")]);
    // The API's view of the current version is at most a second old.
    const counted = async () => {
      const versions = await stack.client.versions.list();
      return versions.current === "v2" && versions.data.find((v) => v.version === "v1")?.notUpgraded.runs === 2 && versions.data;
    };
    const [old, current] = await eventually(counted, { what: "a walk to count v1's runs" });
    expect(old).toMatchObject({ version: "v1", current: false, liveWorkers: 0, runs: { queued: 0, running: 0, waiting: 2 }, drained: false });
    expect(old.notUpgraded.examples).toEqual(
      expect.arrayContaining(
        parked.map(({ runId }) => ({ runId, version: "v2", position: 0, recorded: 'a wait on input stream "reply"', reached: 'step "load-policy"' })),
      ),
    );
    expect(current).toMatchObject({ version: "v2", current: true, liveWorkers: 1, drained: false });
    const metrics = await (await fetch(`${stack.server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(metrics).toContain('helmr_runs_by_version{version="v1",status="waiting"} 2');
    expect(metrics).toMatch(/^helmr_versions_stranded 1$/m);

    // A worker of v1 back finishes them (v2 stays current); once a walk finds none left, v1 is drained.
    for (const { sessionId } of parked) await stack.client.sessions.open(sessionId).input("reply").send("done");
    await start("v1", [approvalV1("v1")]);
    for (const { runId } of parked) await runReaches(stack.client, runId, "completed");
    expect((await stack.client.versions.list()).current).toBe("v2");
    const drained = await eventually(async () => (await stack.client.versions.list()).data.find((v) => v.version === "v1" && v.drained), {
      timeoutMs: 15_000,
      what: "v1 to be drained",
    });
    expect(drained).toMatchObject({ runs: { queued: 0, running: 0, waiting: 0 }, liveWorkers: 1 });

    // Its workers stop: the next walk retires it, and nothing of its queues is left in Redis.
    await stack.workers.at(-1)!.close();
    await eventually(async () => !(await stack.client.versions.list()).data.some((v) => v.version === "v1"), { timeoutMs: 15_000, what: "v1 to retire" });
    const keysLike = async (pattern: string) => (await Promise.all(masters(stack.engine.resources.redis).map((node) => node.keys(pattern)))).flat();
    expect(await keysLike(`{${stack.prefix}*runs-v-v1:*`), "no key of v1's queues").toEqual([]);
    expect((await keysLike(`{${stack.prefix}*runs-v-v2:*`)).length).toBeGreaterThan(0);
    // A worker of the retired version started again is known as old: triggers stay on v2.
    await start("v1", [approvalV1("v1")]);
    const again = await eventually(async () => (await stack.client.versions.list()).data.find((v) => v.version === "v1"), { what: "v1 to be back" });
    expect(again).toMatchObject({ current: false, liveWorkers: expect.any(Number) });
    expect((await stack.client.versions.list()).current).toBe("v2");
  });

  it("checks at most HELMR_UPGRADE_RATE runs a second: each tick of the upgrader within its budget; none at 0", async () => {
    stack = await startStack();
    const v1 = await start("v1", [approvalV1("v1")]);
    const parked = await parkRuns("u-approval", 7);
    await v1.close();
    // Upgrading off: a worker of v2 that checks nothing, beside one that checks 3 a tick.
    const checkedBy = { off: 0, on: 0 };
    const ticks: number[] = [];
    const counting = (worker: keyof typeof checkedBy) => ({
      racepoint: (point: string) => {
        if (point === "upgrader.check") checkedBy[worker]++;
        if (point === "upgrader.check" && worker === "on") ticks[ticks.length - 1]++;
        if (point === "upgrader.tick" && worker === "on") ticks.push(0);
      },
    });
    await stack.startWorker({ tasks: [approvalV1("v2")], version: "v2", upgradeRate: 0, hooks: counting("off") });
    await stack.startWorker({ tasks: [approvalV1("v2")], version: "v2", upgradeRate: 3, hooks: counting("on") });
    for (const { runId } of parked) await versionBecomes(runId, "v2");
    expect(checkedBy).toEqual({ off: 0, on: 7 });
    expect(Math.max(...ticks)).toBeLessThanOrEqual(3);
    expect(ticks.filter((checks) => checks > 0).length).toBeGreaterThanOrEqual(3);
  });
});
