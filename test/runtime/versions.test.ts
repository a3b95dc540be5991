import { step, streams, task, type HelmrWorker } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

/**
 * Two versions of the same tasks, as two deploys of one module would define them: each
 * says which code ran it. A run runs on the version it started on (broker systems/versions.ts).
 */
const reply = streams.input<string>("reply");
function versionOf(name: string) {
  const child = task({ id: "v-child", run: async (n: number) => `${name} child ${n}` });
  const parent = task({
    id: "v-parent",
    run: async () => {
      const go = await reply.wait().unwrap();
      const one = await child.triggerAndWait(1).unwrap();
      const many = await child.batchTriggerAndWait([{ payload: 2 }, { payload: 3 }]);
      return { go, ran: name, one, many: many.map((r) => (r.ok ? r.output : r.error.message)) };
    },
  });
  const waiter = task({
    id: "v-waiter",
    run: async () => {
      await step.run(`${name}-step`, () => name);
      return `${name}: ${await reply.wait().unwrap()}`;
    },
  });
  const quick = task({ id: "v-quick", run: async () => name });
  return [child, parent, waiter, quick];
}

const startVersion = (name: string, options: { warmRuns?: number; upgradeRate?: number } = {}): Promise<HelmrWorker> =>
  stack.startWorker({ tasks: versionOf(name), version: name, ...options });

const currentIs = (version: string) =>
  eventually(async () => (await stack.client.versions.list()).current === version, { what: `version ${version} to be current` });

describe("versions of task code", () => {
  it("a trigger starts on the current version: a run before any worker takes the first one's, then the latest started, or the one promoted", async () => {
    stack = await startStack();
    await stack.engine.tasks.register(["v-quick"]);
    expect(await stack.client.versions.list()).toEqual({ data: [], current: null });
    const early = await stack.client.tasks.trigger("v-quick");
    expect((await stack.client.runs.retrieve(early.runId)).version).toBeNull();

    await startVersion("v1");
    expect(await runReaches(stack.client, early.runId, "completed")).toMatchObject({ version: "v1", output: "v1" });
    await startVersion("v2");
    await currentIs("v2");
    const second = await stack.client.tasks.trigger("v-quick");
    expect(await runReaches(stack.client, second.runId, "completed")).toMatchObject({ version: "v2", output: "v2" });

    // A promotion (a rollback) makes v1 current at once, with v2's workers still up.
    const promoted = await stack.client.versions.promote("v1");
    expect(promoted.current).toBe("v1");
    expect(promoted.data.find((v) => v.version === "v1")).toMatchObject({ current: true, liveWorkers: 1, promotedAt: expect.any(String) });
    const rolledBack = await stack.client.tasks.trigger("v-quick");
    expect(await runReaches(stack.client, rolledBack.runId, "completed")).toMatchObject({ version: "v1", output: "v1" });

    // Until a worker starts after it: the next deploy is current again.
    await startVersion("v3");
    await currentIs("v3");
    const unknown = await stack.http("POST", "/api/v1/versions/v9/promote");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: "version_not_found", message: expect.stringMatching(/Version v9 was not found.*helmr version list/) });
    expect((await stack.client.versions.list()).current).toBe("v3");
  });

  it("in a rolling deploy each run resumes only on its own code, and its children and batches start on its version", async () => {
    stack = await startStack();
    await startVersion("v1");
    const old = await stack.client.tasks.trigger("v-parent");
    await runReaches(stack.client, old.runId, "waiting");

    // The new version is current, and both versions' workers are up. Its upgrader is off: the
    // same code replays cleanly, so a walk that came before the input would move the old run
    // to v2 (upgrades.test.ts tests that); here the old run stays on its code.
    await startVersion("v2", { upgradeRate: 0 });
    await currentIs("v2");
    const fresh = await stack.client.tasks.trigger("v-parent");
    await runReaches(stack.client, fresh.runId, "waiting");
    for (const { sessionId } of [old, fresh]) await stack.client.sessions.open(sessionId).input("reply").send("go");

    const oldDone = await runReaches(stack.client, old.runId, "completed");
    expect(oldDone).toMatchObject({ version: "v1", output: { ran: "v1", one: "v1 child 1", many: ["v1 child 2", "v1 child 3"] } });
    const freshDone = await runReaches(stack.client, fresh.runId, "completed");
    expect(freshDone).toMatchObject({ version: "v2", output: { ran: "v2", one: "v2 child 1", many: ["v2 child 2", "v2 child 3"] } });
    const children = (await stack.client.runs.list({ task: "v-child", limit: 10 })).data;
    expect(children.map((run) => run.version).sort()).toEqual(["v1", "v1", "v1", "v2", "v2", "v2"]);
  });

  it("a run kept warm by a stopping worker waits for its version's next worker; the new version leaves it alone", async () => {
    stack = await startStack();
    const v1 = await startVersion("v1");
    const { runId, sessionId } = await stack.client.tasks.trigger("v-waiter");
    await runReaches(stack.client, runId, "waiting");
    const { redis, keys } = stack.engine.resources;
    expect(await redis.hget(keys.run(runId), "warm")).toBe(v1.workerId);

    await v1.close();
    await startVersion("v2");
    await currentIs("v2");
    await stack.client.sessions.open(sessionId).input("reply").send("approved");
    // v2 serves its own runs meanwhile; the v1 run stays queued on v1's runs queue.
    const other = await stack.client.tasks.trigger("v-quick");
    expect(await runReaches(stack.client, other.runId, "completed")).toMatchObject({ output: "v2" });
    expect(await stack.client.runs.retrieve(runId)).toMatchObject({ status: "queued", version: "v1" });
    expect(await stack.engine.resources.runsQueuesOf("v1")[0].getJob((await redis.hget(keys.run(runId), "job"))!)).toBeTruthy();

    await startVersion("v1");
    expect(await runReaches(stack.client, runId, "completed")).toMatchObject({ version: "v1", output: "v1: approved" });
  });
});
