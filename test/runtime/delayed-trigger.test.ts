import { task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches, runReachesWithin } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

describe("delayed triggers", () => {
  it("keep a run delayed until its delay or its date, then run it", async () => {
    stack = await startStack();
    const startedAt = new Map<string, number>();
    const later = task({ id: "later", run: async (payload: { name: string }) => void startedAt.set(payload.name, Date.now()) });
    await stack.startWorker({ tasks: [later] });
    const at = new Date(Date.now() + 1_200);
    const triggeredAt = Date.now();
    const byDuration = await stack.client.tasks.trigger("later", { name: "duration" }, { delay: "1s" });
    const byDate = await stack.client.tasks.trigger("later", { name: "date" }, { delay: at });
    expect((await stack.client.runs.retrieve(byDuration.runId)).status).toBe("delayed");
    const listed = await stack.client.runs.list({ task: "later", status: "delayed" });
    expect(listed.data.map((run) => run.id).sort()).toEqual([byDuration.runId, byDate.runId].sort());
    for (const { runId } of [byDuration, byDate]) await runReaches(stack.client, runId, "completed");
    expect(startedAt.get("duration")! - triggeredAt).toBeGreaterThanOrEqual(1_000);
    expect(startedAt.get("date")!).toBeGreaterThanOrEqual(at.getTime());
  });

  it("can be cancelled while delayed: the run never starts and its job goes", async () => {
    stack = await startStack();
    let started = 0;
    const later = task({ id: "later-cancelled", run: async () => void started++ });
    await stack.startWorker({ tasks: [later] });
    const { runId } = await stack.client.tasks.trigger("later-cancelled", {}, { delay: "1h" });
    expect((await stack.client.runs.cancel(runId)).status).toBe("cancelled");
    const queue = stack.engine.resources.runsQueueOf(runId, (await stack.client.runs.retrieve(runId)).version ?? "");
    await eventually(async () => (await queue.getJobCounts("delayed")).delayed === 0, { what: "the delayed job to be removed" });
    expect(started).toBe(0);
  });

  it("refuses a bad delay, and a delay beside a debounce, with the error shape", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [task({ id: "later-refused", run: async () => {} })] });
    const bad = await stack.http("POST", "/api/v1/tasks/later-refused/trigger", { body: { delay: "tomorrow" } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe("/delay");
    const both = await stack.http("POST", "/api/v1/tasks/later-refused/trigger", { body: { delay: "1m", debounce: { key: "k", delay: "1m" } } });
    expect(both.status).toBe(422);
    expect(both.body.error.message).toContain("a debounce or a delay, not both");
    expect((await stack.client.runs.list({ task: "later-refused" })).data).toEqual([]);
  });
});

describe("a run's ttl", () => {
  it("expires a run that could not start in time (a limit of 1 held by another run): it never runs", async () => {
    stack = await startStack();
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const started: string[] = [];
    const single = task({
      id: "single-ttl",
      concurrency: { limit: 1 },
      run: async (payload: { name: string }) => {
        started.push(payload.name);
        if (payload.name === "holder") await opened;
      },
    });
    const worker = await stack.startWorker({ tasks: [single] });
    const holder = await stack.client.tasks.trigger("single-ttl", { name: "holder" });
    await eventually(() => started.includes("holder"));
    const late = await stack.client.tasks.trigger("single-ttl", { name: "late" }, { ttl: "500ms" });
    const expired = await runReachesWithin(10_000, stack.client, late.runId, "expired");
    expect(expired.error).toMatchObject({ name: "RunExpiredError" });
    expect((await stack.client.runs.events(late.runId)).data.map((event) => event.type)).toEqual(["triggered", "expired"]);
    // The expiry index holds a run only until its time: the sweep that expired it takes its entry, last.
    const { redis, keys } = stack.engine.resources;
    await eventually(async () => (await redis.zcard(keys.shardOf(late.runId).expiries())) === 0, { what: "the expiry sweep to end" });
    const counted = 'helmr_runs_finished_total{task="single-ttl",status="expired"} 1';
    await eventually(async () => (await worker.engine.resources.metrics.registry.metrics()).includes(counted), { what: "the expiry counted" });
    // It left the line for the slot as it expired: queued no more, and no turn to take.
    expect((await stack.client.tasks.retrieve("single-ttl")).queued).toBe(0);
    // So does a run cancelled while it waits.
    const cancelled = await stack.client.tasks.trigger("single-ttl", { name: "cancelled" });
    await eventually(async () => (await stack.client.tasks.retrieve("single-ttl")).queued === 1, { what: "a run in line" });
    await stack.client.runs.cancel(cancelled.runId);
    expect((await stack.client.tasks.retrieve("single-ttl")).queued).toBe(0);
    open();
    await runReaches(stack.client, holder.runId, "completed");
    const next = await stack.client.tasks.trigger("single-ttl", { name: "next" });
    await runReaches(stack.client, next.runId, "completed");
    expect(started).toEqual(["holder", "next"]);
  });

  it("fails the parent's wait on a child that expired, with a ChildRunFailedError saying so", async () => {
    stack = await startStack();
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const busy = task({ id: "busy-child", concurrency: { limit: 1 }, run: async (payload: { hold: boolean }) => (payload.hold ? opened : undefined) });
    const parent = task({
      id: "ttl-parent",
      run: async () => {
        const outcome = await busy.triggerAndWait({ hold: false }, { ttl: "300ms" });
        return outcome.ok ? "ran" : { name: outcome.error.name, cause: (outcome.error as { cause?: { name: string } }).cause?.name };
      },
    });
    await stack.startWorker({ tasks: [busy, parent] });
    const holder = await stack.client.tasks.trigger("busy-child", { hold: true });
    await runReaches(stack.client, holder.runId, "running");
    const { runId } = await stack.client.tasks.trigger("ttl-parent", {});
    const run = await runReachesWithin(10_000, stack.client, runId, "completed");
    expect(run.output).toEqual({ name: "ChildRunFailedError", cause: "RunExpiredError" });
    open();
  });

  it("counts from a delay's end: a delayed run with a ttl runs when it comes due", async () => {
    stack = await startStack();
    const later = task({ id: "later-ttl", run: async () => "ran" });
    await stack.startWorker({ tasks: [later] });
    const { runId } = await stack.client.tasks.trigger("later-ttl", {}, { delay: "700ms", ttl: "5s" });
    expect((await runReaches(stack.client, runId, "completed")).output).toBe("ran");
  });

  it("times batch items and children: a delay and a ttl each, from the API and from a run's code", async () => {
    stack = await startStack();
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const busy = task({ id: "busy-item", concurrency: { limit: 1 }, run: async (payload: { hold: boolean }) => (payload.hold ? opened : "ran") });
    const later = task({ id: "later-item", run: async () => "ran" });
    const parent = task({
      id: "items-parent",
      run: async () => {
        // One session, no idempotency keys: the batch a run's code makes by default.
        const [expired] = await busy.batchTriggerAndWait([{ payload: { hold: false }, ttl: "300ms" }]);
        const delayed = await later.triggerAndWait({}, { delay: "400ms" });
        return { expired: expired.ok ? "ran" : (expired.error as { cause?: { name: string } }).cause?.name, delayed: delayed.ok };
      },
    });
    await stack.startWorker({ tasks: [busy, later, parent] });
    const holder = await stack.client.tasks.trigger("busy-item", { hold: true });
    await runReaches(stack.client, holder.runId, "running");

    const { runs } = await stack.client.tasks.batchTrigger("later-item", [
      { payload: {}, delay: "1h" },
      { payload: {} },
      { payload: {}, delay: "300ms", ttl: "1m" },
    ]);
    expect((await stack.client.runs.retrieve(runs[0].runId)).status).toBe("delayed");
    await runReaches(stack.client, runs[1].runId, "completed");
    const dueLater = await runReaches(stack.client, runs[2].runId, "completed");
    expect(Date.parse(dueLater.startedAt!) - Date.parse(dueLater.createdAt)).toBeGreaterThanOrEqual(300);
    const expiring = await stack.client.tasks.batchTrigger("busy-item", [{ payload: { hold: false }, ttl: "200ms" }]);
    await runReachesWithin(10_000, stack.client, expiring.runs[0].runId, "expired");

    const { runId } = await stack.client.tasks.trigger("items-parent", {});
    const done = await runReachesWithin(15_000, stack.client, runId, "completed");
    expect(done.output).toEqual({ expired: "RunExpiredError", delayed: true });
    const children = (await stack.client.runs.list({ task: "later-item", session: done.sessionId })).data;
    expect(Date.parse(children[0].startedAt!) - Date.parse(children[0].createdAt)).toBeGreaterThanOrEqual(400);
    open();
  });
});
