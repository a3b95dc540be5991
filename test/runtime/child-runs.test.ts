import { ChildRunFailedError, NonRetriableError, step, streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { OUTBOX_GRACE_MS } from "@helmr/broker";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { REPLAY_ONLY, startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

/** A run's code triggers a child run and waits for it (triggerAndWait), or goes on (trigger). */
const gate = streams.input<string>("child-gate");
const worker = task({
  id: "child-worker",
  run: async (p: { n: number; hold?: boolean; fail?: boolean; busyMs?: number }) => {
    if (p.hold) await gate.wait().unwrap();
    if (p.busyMs) await step.run("busy", () => new Promise((resolve) => setTimeout(resolve, p.busyMs)));
    if (p.fail) throw new NonRetriableError(`cannot do ${p.n}`);
    return step.run("double", async () => p.n * 2);
  },
});
let outsideSteps = 0;
const parent = task({
  id: "child-parent",
  run: async (p: { n: number; hold?: boolean; fail?: boolean; busyMs?: number; session?: string }) => {
    outsideSteps++;
    const result = await worker.triggerAndWait({ n: p.n, hold: p.hold, fail: p.fail, busyMs: p.busyMs }, p.session ? { sessionId: p.session } : {});
    if (!result.ok)
      return { failed: result.error instanceof ChildRunFailedError, message: result.error.message, childRunId: (result.error as ChildRunFailedError).runId };
    return { doubled: result.output };
  },
});
/** Waits for its child beside a step: it runs (the park waits for the step) while its child does. */
const busyParent = task({
  id: "child-busy-parent",
  run: async () => {
    const [result] = await Promise.all([
      worker.triggerAndWait({ n: 2, hold: true }),
      step.run("busy", () => new Promise((resolve) => setTimeout(resolve, 3_000))),
    ]);
    return result.ok;
  },
});
const keyed = task({
  id: "child-keyed-parent",
  run: async (p: { key: string }) => {
    const result = await worker.triggerAndWait({ n: 9, hold: true }, { idempotencyKey: p.key });
    return result.ok ? { doubled: result.output } : { failed: result.error instanceof ChildRunFailedError, message: result.error.message };
  },
});
const fanOut = task({
  id: "child-fire-and-forget",
  run: async () => {
    const started = await worker.trigger({ n: 21 });
    await gate.wait().unwrap();
    return started.runId;
  },
});

async function childOf(parentRunId: string): Promise<string> {
  return eventually(
    async () => {
      const run = await stack.client.runs.retrieve(parentRunId);
      return run.waitingOn?.kind === "run" ? run.waitingOn.childRunId : undefined;
    },
    { what: "the parent to wait on its child" },
  );
}

describe("child runs", () => {
  it("a parent waits for its child in its session, sees it on waitingOn and in /waits, and gets its output", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [parent, worker] });
    const { runId, sessionId } = await stack.client.tasks.trigger("child-parent", { n: 4, hold: true });
    const childRunId = await childOf(runId);
    const child = await stack.client.runs.retrieve(childRunId);
    expect(child).toMatchObject({ sessionId, taskId: "child-worker", parentRunId: runId });
    const waits = await stack.http("GET", `/api/v1/waits?run=${runId}`);
    expect(waits.body.data).toEqual([expect.objectContaining({ kind: "run", runId, childRunId, deadline: null })]);
    expect((await stack.http("GET", "/api/v1/waits?kind=run")).body.data.map((w: { runId: string }) => w.runId)).toContain(runId);

    // The child shares the conversation's streams: input to the session resumes it.
    await stack.client.sessions.open(sessionId).input("child-gate").send("go");
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ doubled: 8 });
    expect((await stack.client.runs.retrieve(childRunId)).status).toBe("completed");
    const events = (await stack.client.runs.events(runId)).data.map((e) => e.type);
    expect(events).toEqual(["triggered", "started", "parked", "resumed", "completed"]);
  });

  it("a child in another session (its own hash tag) resumes its parent when it ends", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [parent, worker] });
    const elsewhere = await stack.client.sessions.create({ externalId: "child-elsewhere" });
    const { runId, sessionId } = await stack.client.tasks.trigger("child-parent", { n: 7, hold: true, session: elsewhere.id });
    const childRunId = await childOf(runId);
    expect((await stack.client.runs.retrieve(childRunId)).sessionId).toBe(elsewhere.id);
    expect(elsewhere.id).not.toBe(sessionId);
    await runReaches(stack.client, childRunId, "waiting");
    await stack.client.sessions.open(elsewhere.id).input("child-gate").send("go");
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ doubled: 14 });
  });

  it("a parent whose child's worker died between the child's end and telling the parent is resumed by the outbox sweeper", async () => {
    stack = await startStack();
    const hosting = await stack.startWorker({ tasks: [parent, worker] });
    // The ending write marks the notice; this worker then "dies" before telling the parent.
    hosting.engine.children.sendParentNotice = async () => {};
    const { runId, sessionId } = await stack.client.tasks.trigger("child-parent", { n: 8, hold: true });
    const childRunId = await childOf(runId);
    await runReaches(stack.client, childRunId, "waiting");
    await stack.client.sessions.open(sessionId).input("child-gate").send("go");
    await runReaches(stack.client, childRunId, "completed");
    expect((await stack.client.runs.retrieve(runId)).status).toBe("waiting");
    await eventually(() => stack.engine.outbox.sweep(Date.now() + OUTBOX_GRACE_MS + 1), { what: "a sweep that re-dispatches the parent" });
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ doubled: 16 });
  });

  it("a child that fails after its retries resolves the parent's wait with a ChildRunFailedError naming it", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [parent, worker] });
    const { runId } = await stack.client.tasks.trigger("child-parent", { n: 3, fail: true });
    const output = (await runReaches(stack.client, runId, "completed")).output as { failed: boolean; message: string; childRunId: string };
    expect(output.failed).toBe(true);
    expect(output.message).toMatch(/child run run_\S+ failed: NonRetriableError: cannot do 3/);
    expect((await stack.client.runs.retrieve(output.childRunId)).status).toBe("failed");
  });

  it("cancelling the parent cancels the child it waits on", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [parent, worker] });
    const { runId } = await stack.client.tasks.trigger("child-parent", { n: 1, hold: true });
    const childRunId = await childOf(runId);
    await runReaches(stack.client, childRunId, "waiting");
    await stack.client.runs.cancel(runId);
    expect((await runReaches(stack.client, childRunId, "cancelled")).status).toBe("cancelled");
    expect((await stack.client.runs.retrieve(runId)).status).toBe("cancelled");
  });

  it("cancelling a parent that is still running cancels the child it is about to wait for", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [busyParent, worker] });
    const { runId, sessionId } = await stack.client.tasks.trigger("child-busy-parent", {});
    const childRunId = await eventually(
      async () => (await stack.client.runs.list({ session: sessionId })).data.find((r) => r.id !== runId && r.status === "waiting")?.id,
      { what: "the child to park" },
    );
    expect((await stack.client.runs.retrieve(runId)).status).toBe("running");
    expect((await stack.client.runs.cancel(runId)).cancellation).toBe("requested");
    expect((await stack.client.runs.retrieve(childRunId)).status).toBe("cancelled");
    expect((await runReaches(stack.client, runId, "cancelled")).status).toBe("cancelled");
  });

  it("a parent cancelled after journaling its child's id and before the child exists: the child, created after, is cancelled too", async () => {
    stack = await startStack();
    let arrived!: () => void;
    const atCreate = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The parent's worker holds the child's creation until the test has cancelled the parent.
    await stack.startWorker({
      tasks: [parent, worker],
      hooks: {
        racepoint: async (point) => {
          if (point !== "children.beforeCreate") return;
          arrived();
          await released;
        },
      },
    });
    const { runId, sessionId } = await stack.client.tasks.trigger("child-parent", { n: 1, hold: true });
    await atCreate;
    expect((await stack.client.runs.cancel(runId)).cancellation).toBe("requested");
    expect((await stack.client.runs.list({ session: sessionId })).data.map((r) => r.id)).toEqual([runId]);
    release();
    const childRunId = await eventually(async () => (await stack.client.runs.list({ session: sessionId })).data.find((r) => r.id !== runId)?.id, {
      what: "the child to be created",
    });
    expect((await runReaches(stack.client, childRunId, "cancelled")).status).toBe("cancelled");
    expect((await runReaches(stack.client, runId, "cancelled")).status).toBe("cancelled");
  });

  it("cancelling the child resumes the parent with the cancellation", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [parent, worker] });
    const { runId } = await stack.client.tasks.trigger("child-parent", { n: 1, hold: true });
    const childRunId = await childOf(runId);
    await runReaches(stack.client, childRunId, "waiting");
    await stack.client.runs.cancel(childRunId);
    const output = (await runReaches(stack.client, runId, "completed")).output as { failed: boolean; message: string };
    expect(output).toMatchObject({ failed: true, childRunId });
    expect(output.message).toMatch(/was cancelled/);
  });

  it("closing or erasing the child's session (another one) resumes the parent with the cancellation", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [parent, worker] });
    for (const end of ["close", "erase"] as const) {
      const elsewhere = await stack.client.sessions.create({ externalId: `child-${end}` });
      const { runId } = await stack.client.tasks.trigger("child-parent", { n: 1, hold: true, session: elsewhere.id });
      const childRunId = await childOf(runId);
      await runReaches(stack.client, childRunId, "waiting");
      if (end === "close") await stack.client.sessions.close(elsewhere.id);
      else await stack.client.sessions.delete(elsewhere.id);
      const output = (await runReaches(stack.client, runId, "completed")).output as { failed: boolean; message: string };
      expect(output).toMatchObject({ failed: true, childRunId });
      expect(output.message).toMatch(/was cancelled/);
    }
  });

  it("erasing the session of a child that is running resumes its parent elsewhere", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [parent, worker] });
    const elsewhere = await stack.client.sessions.create({ externalId: "child-erased-running" });
    const { runId } = await stack.client.tasks.trigger("child-parent", { n: 1, busyMs: 3_000, session: elsewhere.id });
    const childRunId = await childOf(runId);
    await runReaches(stack.client, childRunId, "running");
    await stack.client.sessions.delete(elsewhere.id);
    const output = (await runReaches(stack.client, runId, "completed")).output as { failed: boolean; message: string };
    expect(output).toMatchObject({ failed: true, childRunId });
  });

  it("a child cancelled while it runs keeps its parent's notice marked until it stops, then resumes the parent", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [parent, worker] });
    const { runId } = await stack.client.tasks.trigger("child-parent", { n: 1, busyMs: 1_500 });
    const childRunId = await childOf(runId);
    await runReaches(stack.client, childRunId, "running");
    expect((await stack.client.runs.cancel(childRunId)).status).toBe("running");
    const { redis, keys } = stack.engine.resources;
    expect(await redis.zscore(keys.outboxOf(childRunId), `${childRunId}:parent`)).not.toBeNull();
    const output = (await runReaches(stack.client, runId, "completed")).output as { failed: boolean; message: string };
    expect(output).toMatchObject({ failed: true, childRunId });
    expect(output.message).toMatch(/was cancelled/);
    await eventually(async () => (await redis.zscore(keys.outboxOf(childRunId), `${childRunId}:parent`)) === null, { what: "the notice to be cleared" });
  });

  it("a child that ends before the parent parks makes the wait return at once, without parking", async () => {
    stack = await startStack();
    // Forces the interleaving: the parent's look at its child waits until the child has completed.
    await stack.startWorker({
      tasks: [parent, worker],
      hooks: {
        racepoint: async (point, { runId }) => {
          if (point === "children.beforeWatch") await runReaches(stack.client, runId!, "completed");
        },
      },
    });
    const { runId } = await stack.client.tasks.trigger("child-parent", { n: 6 });
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ doubled: 12 });
    const events = (await stack.client.runs.events(runId)).data.map((e) => e.type);
    expect(events).toEqual(["triggered", "started", "completed"]);
  });

  it("replaying the parent (no warm resume) finds the same child and triggers no second one; code outside steps ran again only on replay", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [parent, worker], ...REPLAY_ONLY });
    outsideSteps = 0;
    const { runId, sessionId } = await stack.client.tasks.trigger("child-parent", { n: 5, hold: true });
    const childRunId = await childOf(runId);
    await runReaches(stack.client, childRunId, "waiting");
    await stack.client.sessions.open(sessionId).input("child-gate").send("go");
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ doubled: 10 });
    expect(outsideSteps).toBe(2);
    const runs = await stack.client.runs.list({ session: sessionId });
    expect(runs.data.map((r) => r.id).sort()).toEqual([runId, childRunId].sort());
  });

  it("a child's idempotencyKey naming an existing run makes that run the child; a second parent with the same key is refused in its outcome", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [keyed, worker] });
    const session = await stack.client.sessions.create({ externalId: "child-keyed" });
    const existing = await stack.client.tasks.trigger("child-worker", { n: 9, hold: true }, { sessionId: session.id, idempotencyKey: "shared" });
    await runReaches(stack.client, existing.runId, "waiting");
    const first = await stack.client.tasks.trigger("child-keyed-parent", { key: "shared" }, { sessionId: session.id });
    expect(await childOf(first.runId)).toBe(existing.runId);
    expect((await stack.client.runs.retrieve(existing.runId)).parentRunId).toBe(first.runId);
    const second = await stack.client.tasks.trigger("child-keyed-parent", { key: "shared" }, { sessionId: session.id });
    const refused = (await runReaches(stack.client, second.runId, "completed")).output as { failed: boolean; message: string };
    expect(refused).toMatchObject({ failed: true, message: expect.stringContaining("child of another run") });
    await stack.client.sessions.open(session.id).input("child-gate").send("go");
    expect((await runReaches(stack.client, first.runId, "completed")).output).toEqual({ doubled: 18 });
    expect((await stack.client.runs.list({ session: session.id })).data).toHaveLength(3);
  });

  it("trigger from a run starts a child and goes on; a replay triggers no second one", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [fanOut, worker], ...REPLAY_ONLY });
    const { runId, sessionId } = await stack.client.tasks.trigger("child-fire-and-forget");
    await runReaches(stack.client, runId, "waiting");
    await stack.client.sessions.open(sessionId).input("child-gate").send("go");
    const childRunId = (await runReaches(stack.client, runId, "completed")).output as string;
    const child = await runReaches(stack.client, childRunId, "completed");
    expect(child).toMatchObject({ output: 42, parentRunId: null, sessionId });
    expect((await stack.client.runs.list({ session: sessionId })).data).toHaveLength(2);
    // The trigger's result is journaled: the replay that finished the run returned it without triggering again.
    const journal = (await stack.http("GET", `/api/v1/runs/${runId}/journal`)).body.data;
    expect(journal[0]).toMatchObject({ kind: "child", name: childRunId, result: { ok: true, output: { runId: childRunId, deduplicated: false } } });
  });
});
