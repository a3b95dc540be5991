import { streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const go = streams.input<{ ok: boolean }>("pause-go");
const executed: number[] = [];
const work = task({
  id: "pause-work",
  concurrency: { limit: 2 },
  run: async (payload: { n: number }) => {
    executed.push(payload.n);
    return payload.n;
  },
});
const waiter = task({ id: "pause-waiter", run: async () => go.wait().unwrap() });

const queuedOf = async (taskId: string) => (await stack.client.tasks.retrieve(taskId)).queued;

describe("pausing a task", () => {
  it("starts and resumes none of its runs while paused, takes triggers and inputs, and runs them all once resumed", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [work, waiter] });
    const parked = await stack.client.tasks.trigger("pause-waiter", {});
    await runReaches(stack.client, parked.runId, "waiting");

    const pausedWaiter = await stack.client.tasks.pause("pause-waiter");
    expect(pausedWaiter.pausedAt).not.toBeNull();
    // Pausing again keeps when it was first paused.
    expect((await stack.client.tasks.pause("pause-waiter")).pausedAt).toBe(pausedWaiter.pausedAt);
    const paused = await stack.http("POST", "/api/v1/tasks/pause-work/pause");
    expect(paused.status).toBe(200);
    expect(Date.parse(paused.body.pausedAt)).toBeGreaterThan(0);

    // Triggers are taken; their runs wait in line (they reached a worker, which queued them) and none executes.
    const probe = await stack.client.tasks.trigger("pause-waiter", {});
    await eventually(async () => (await queuedOf("pause-waiter")) === 1, { what: "a new run of the paused task in line" });
    executed.length = 0;
    const runs = await Promise.all([1, 2, 3].map((n) => stack.client.tasks.trigger("pause-work", { n })));
    await eventually(async () => (await queuedOf("pause-work")) === 3, { what: "the three runs in line" });
    // The input is taken (it resumes the wait), and the run it resumes waits in line too.
    const sent = await stack.client.sessions.open(parked.sessionId).input(go.id).send({ ok: true });
    expect(sent.status).toBe("resumed");
    await eventually(async () => (await queuedOf("pause-waiter")) === 2, { what: "the resumed run in line" });
    expect(executed).toEqual([]);
    for (const { runId } of runs) expect((await stack.client.runs.retrieve(runId)).startedAt).toBeNull();
    expect((await stack.client.runs.retrieve(parked.runId)).status).toBe("queued");
    const metrics = await (await fetch(`${stack.server.url}/metrics`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).text();
    expect(metrics).toContain('helmr_task_paused{task="pause-work"} 1');
    expect(metrics).toContain('helmr_task_paused{task="pause-waiter"} 1');

    const resumed = await stack.http("POST", "/api/v1/tasks/pause-work/resume");
    expect(resumed.status).toBe(200);
    expect(resumed.body.pausedAt).toBeNull();
    await stack.client.tasks.resume("pause-waiter");
    for (const { runId } of runs) await runReaches(stack.client, runId, "completed");
    expect(executed.sort()).toEqual([1, 2, 3]);
    expect(await runReaches(stack.client, parked.runId, "completed")).toMatchObject({ output: { ok: true } });
    await runReaches(stack.client, probe.runId, "waiting");
    await stack.client.runs.cancel(probe.runId);
    // Nothing of the pauses is left in Redis.
    expect(await stack.engine.resources.redis.exists(stack.engine.resources.keys.slots("paused"))).toBe(0);
    // Its limits stay as they were: the code's.
    expect((await stack.client.tasks.retrieve("pause-work")).limits.inForce.concurrency.limit).toBe(2);
    expect(await queuedOf("pause-work")).toBe(0);
  });

  it("refuses an unknown task and a body, and changes nothing", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [work] });
    const unknown = await stack.http("POST", "/api/v1/tasks/no-such-task/pause");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("task_not_found");
    const withBody = await stack.http("POST", "/api/v1/tasks/pause-work/pause", { body: { now: true } });
    expect(withBody.status).toBe(422);
    expect((await stack.client.tasks.retrieve("pause-work")).pausedAt).toBeNull();
    // Resuming a task that is not paused changes nothing.
    expect((await stack.client.tasks.resume("pause-work")).pausedAt).toBeNull();
    const { runId } = await stack.client.tasks.trigger("pause-work", { n: 9 });
    await runReaches(stack.client, runId, "completed");
  });
});
