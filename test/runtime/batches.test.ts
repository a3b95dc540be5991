import { ChildRunFailedError, NonRetriableError, step, streams, task } from "@helmr/sdk";
import { newRunId } from "@helmr/core";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches, runReachesWithin } from "../harness/runs.ts";
import { REPLAY_ONLY, startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

/** Batches of child runs, from a run's code (batchTrigger, batchTriggerAndWait) and from the API. */
const gate = streams.input<string>("batch-gate");
/** How many times each member's code ran, by its n: a member that ran twice would show it. */
const memberRuns = new Map<number, number>();
const member = task({
  id: "batch-member",
  run: async (p: { n: number; hold?: boolean; fail?: boolean }) => {
    memberRuns.set(p.n, (memberRuns.get(p.n) ?? 0) + 1);
    if (p.hold) await gate.wait({ correlationId: `m${p.n}` }).unwrap();
    if (p.fail) throw new NonRetriableError(`cannot do ${p.n}`);
    return p.n * 2;
  },
});
const fanIn = task({
  id: "batch-parent",
  run: async (p: { count: number; hold?: boolean; failAt?: number }) => {
    const items = Array.from({ length: p.count }, (_, n) => ({ payload: { n, hold: p.hold, fail: n === p.failAt } }));
    const results = await member.batchTriggerAndWait(items);
    return results.map((r) =>
      r.ok ? { runId: r.runId, output: r.output } : { runId: r.runId, failed: r.error instanceof ChildRunFailedError, message: r.error.message },
    );
  },
});
const keyedBatch = task({
  id: "batch-keyed-parent",
  run: async () => {
    const results = await member.batchTriggerAndWait([{ payload: { n: 7 }, idempotencyKey: "seven" }, { payload: { n: 1 } }]);
    return results.map((r) => (r.ok ? { runId: r.runId, output: r.output } : { runId: r.runId, failed: true }));
  },
});
/** Waits for its batch beside a step: it runs (the park waits for the step) while its children do. */
const busyFanIn = task({
  id: "batch-busy-parent",
  run: async () => {
    const items = [0, 1].map((n) => ({ payload: { n, hold: true } }));
    await Promise.all([member.batchTriggerAndWait(items), step.run("busy", () => new Promise((resolve) => setTimeout(resolve, 3_000)))]);
  },
});
const fireAndForget = task({
  id: "batch-fire-and-forget",
  run: async (p: { count: number }) => {
    const started = await member.batchTrigger(Array.from({ length: p.count }, (_, n) => ({ payload: { n: 100 + n } })));
    await gate.wait({ correlationId: "parent" }).unwrap();
    return started.map((s) => s.runId);
  },
});

async function batchOf(parentRunId: string): Promise<number> {
  return eventually(
    async () => {
      const run = await stack.client.runs.retrieve(parentRunId);
      return run.waitingOn?.kind === "batch" ? run.waitingOn.count : undefined;
    },
    { what: "the parent to wait on its batch" },
  );
}

describe("batches of child runs", () => {
  it("a batch of 500 children: each runs once, in the parent's session, and the parent resumes once with their outputs in order", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [fanIn, member], concurrency: 50 });
    memberRuns.clear();
    const { runId, sessionId } = await stack.client.tasks.trigger("batch-parent", { count: 500 });
    const done = await runReachesWithin(60_000, stack.client, runId, "completed");
    const results = done.output as { runId: string; output: number }[];
    expect(results.map((r) => r.output)).toEqual(Array.from({ length: 500 }, (_, n) => n * 2));
    expect([...memberRuns.values()].every((count) => count === 1)).toBe(true);
    expect(memberRuns.size).toBe(500);
    const first = await stack.client.runs.retrieve(results[0].runId);
    expect(first).toMatchObject({ sessionId, parentRunId: runId, status: "completed", output: 0 });
    const events = (await stack.client.runs.events(runId)).data.map((e) => e.type);
    expect(events.filter((type) => type === "resumed")).toHaveLength(events.includes("parked") ? 1 : 0);
    // The count of ends went with the resume: nothing of the batch stays in the parent's hash.
    const fields = await stack.engine.resources.redis.hkeys(stack.engine.resources.keys.run(runId));
    expect(fields.filter((field) => /^b\d+:/.test(field))).toEqual([]);
  });

  it("a batch with one failure: that item is { ok: false } with a ChildRunFailedError naming the child, the others their outputs", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [fanIn, member] });
    const { runId } = await stack.client.tasks.trigger("batch-parent", { count: 5, failAt: 3 });
    const results = (await runReaches(stack.client, runId, "completed")).output as { runId: string; output?: number; failed?: boolean; message?: string }[];
    expect(results.map((r) => r.output ?? null)).toEqual([0, 2, 4, null, 8]);
    expect(results[3]).toMatchObject({ failed: true, message: `child run ${results[3].runId} failed: NonRetriableError: cannot do 3` });
    expect((await stack.client.runs.retrieve(results[3].runId)).status).toBe("failed");
  });

  it("the parent waits on the batch (waitingOn, /waits?kind=batch), and cancelling it cancels every child", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [fanIn, member] });
    const { runId, sessionId } = await stack.client.tasks.trigger("batch-parent", { count: 4, hold: true });
    expect(await batchOf(runId)).toBe(4);
    const waits = await stack.http("GET", "/api/v1/waits?kind=batch");
    expect(waits.body.data).toEqual([expect.objectContaining({ kind: "batch", runId, count: 4, deadline: null })]);
    const journal = await stack.http("GET", `/api/v1/runs/${runId}/journal`);
    const children = journal.body.data[0].value as string[];
    expect(children).toHaveLength(4);
    await eventually(async () => (await Promise.all(children.map((id) => stack.client.runs.retrieve(id)))).every((r) => r.status === "waiting") || undefined, {
      what: "every child to park",
    });
    // One child ends first; its end is counted, and then the cancellation takes the rest.
    await stack.client.sessions.open(sessionId).input("batch-gate").send("go", { correlationId: "m0" });
    await runReaches(stack.client, children[0], "completed");
    await stack.client.runs.cancel(runId);
    for (const id of children.slice(1)) expect((await runReaches(stack.client, id, "cancelled")).status).toBe("cancelled");
    expect((await stack.client.runs.retrieve(runId)).status).toBe("cancelled");
    const fields = await stack.engine.resources.redis.hkeys(stack.engine.resources.keys.run(runId));
    expect(fields.filter((field) => /^b\d+:/.test(field))).toEqual([]);
  });

  it("cancelling a parent that is still running cancels the batch it is about to wait for", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [busyFanIn, member] });
    const { runId, sessionId } = await stack.client.tasks.trigger("batch-busy-parent", {});
    const children = await eventually(
      async () => {
        const waiting = (await stack.client.runs.list({ session: sessionId })).data.filter((r) => r.id !== runId && r.status === "waiting");
        return waiting.length === 2 && waiting.map((r) => r.id);
      },
      { what: "both children to park" },
    );
    expect((await stack.client.runs.cancel(runId)).cancellation).toBe("requested");
    for (const id of children) expect((await stack.client.runs.retrieve(id)).status).toBe("cancelled");
  });

  it("children that all end before the parent parks: the park finds the batch complete and the parent resumes", async () => {
    stack = await startStack();
    // Forces the interleaving: the parent's park waits until every child has completed.
    await stack.startWorker({
      tasks: [fanIn, member],
      hooks: {
        racepoint: async (point, { runId }) => {
          if (point !== "executions.beforePark") return;
          const journal = await stack.http("GET", `/api/v1/runs/${runId}/journal`);
          const children = journal.body.data[0].value as string[];
          for (const id of children) await runReaches(stack.client, id, "completed");
        },
      },
    });
    const { runId } = await stack.client.tasks.trigger("batch-parent", { count: 3 });
    const results = (await runReaches(stack.client, runId, "completed")).output as { output: number }[];
    expect(results.map((r) => r.output)).toEqual([0, 2, 4]);
  });

  it("replaying the parent (no warm resume) finds the same children and triggers no second batch", async () => {
    stack = await startStack();
    // Counted: a replay after the batch resolved returns it from the journal, creating nothing.
    let triggers = 0;
    await stack.startWorker({
      tasks: [fanIn, member],
      ...REPLAY_ONLY,
      hooks: {
        racepoint: (point) => {
          if (point === "children.beforeCreate") triggers++;
        },
      },
    });
    memberRuns.clear();
    const { runId, sessionId } = await stack.client.tasks.trigger("batch-parent", { count: 3, hold: true });
    await batchOf(runId);
    const input = stack.client.sessions.open(sessionId).input("batch-gate");
    for (const n of [0, 1, 2]) await input.send("go", { correlationId: `m${n}` });
    const results = (await runReaches(stack.client, runId, "completed")).output as { output: number }[];
    expect(results.map((r) => r.output)).toEqual([0, 2, 4]);
    expect((await stack.client.runs.list({ session: sessionId })).data).toHaveLength(4);
    expect(triggers).toBe(1);
  });

  it("an item whose idempotencyKey names an existing run waits for that run, named in its result", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [keyedBatch, member] });
    const session = await stack.client.sessions.create({ externalId: "batch-keyed" });
    const existing = await stack.client.tasks.trigger("batch-member", { n: 7 }, { sessionId: session.id, idempotencyKey: "seven" });
    await runReaches(stack.client, existing.runId, "completed");
    const { runId } = await stack.client.tasks.trigger("batch-keyed-parent", {}, { sessionId: session.id });
    const results = (await runReaches(stack.client, runId, "completed")).output as { runId: string; output: number }[];
    expect(results[0]).toEqual({ runId: existing.runId, output: 14 });
    expect(results[1].output).toBe(2);
    expect((await stack.client.runs.list({ session: session.id })).data).toHaveLength(3);
  });

  it("a batch in one session is created in one step: a session closed as it is created leaves none of it, and nothing in the lists", async () => {
    // The close lands after the batch's checks and before anything of it is written: the
    // one script that creates every run refuses them all.
    let closing: string | undefined;
    stack = await startStack({
      hooks: {
        racepoint: async (point) => {
          if (point === "batches.beforeCreate" && closing) await redis.hset(keys.session(closing), "status", "closed");
        },
      },
    });
    const { engine } = stack;
    const { redis, keys } = engine.resources;
    await engine.tasks.register(["batch-atomic"]);
    const { session } = await engine.sessions.create({});
    const items = Array.from({ length: 300 }, (_, n) => ({ payload: { n }, sessionId: session.id }));
    closing = session.id;
    await expect(engine.batches.trigger("batch-atomic", items)).rejects.toMatchObject({ code: "session_closed" });
    expect((await redis.hkeys(keys.session(session.id))).filter((field) => field.startsWith("a:"))).toEqual([]);
    expect((await stack.client.runs.list({ session: session.id })).data).toEqual([]);
    expect(await redis.xlen(keys.shardOf(session.id).runsIndex())).toBe(0);

    closing = undefined;
    const { session: open } = await engine.sessions.create({});
    const created = await engine.batches.trigger(
      "batch-atomic",
      items.map((item) => ({ ...item, sessionId: open.id })),
    );
    expect(created.filter((run) => !run.deduplicated)).toHaveLength(300);
    expect((await redis.hkeys(keys.session(open.id))).filter((field) => field.startsWith("a:"))).toHaveLength(300);
  });

  it("the same batch again (a replay) creates none of it twice", async () => {
    stack = await startStack();
    const { engine } = stack;
    await engine.tasks.register(["batch-again"]);
    const { session } = await engine.sessions.create({});
    const items = [1, 2, 3].map((n) => ({ payload: { n }, sessionId: session.id }));
    const runIds = items.map(() => newRunId(session.id));
    const first = await engine.batches.trigger("batch-again", items, Date.now(), { runIds, parent: "" });
    const again = await engine.batches.trigger("batch-again", items, Date.now(), { runIds, parent: "" });
    expect(first.map((r) => [r.runId, r.deduplicated])).toEqual(runIds.map((id) => [id, false]));
    expect(again.map((r) => [r.runId, r.deduplicated])).toEqual(runIds.map((id) => [id, true]));
    expect((await engine.runs.list({ session: session.id, limit: 10 })).data.map((r) => r.id).sort()).toEqual([...runIds].sort());
  });

  it("a parent that ended otherwise keeps nothing of its batch: a child's end later clears the count", async () => {
    stack = await startStack();
    const { engine } = stack;
    await engine.tasks.register(["batch-orphaned"]);
    const { runId } = await engine.runs.trigger("batch-orphaned", { payload: {} });
    const started = await engine.executions.start(runId, `${runId}-1`, 1);
    if (started.status !== "run") throw new Error("did not start");
    await engine.executions.journalBatch(runId, started.fence, 0, { kind: "batch", childRunIds: [], waited: true }, 2);
    const batchFields = async () => (await engine.resources.redis.hkeys(engine.resources.keys.run(runId))).filter((field) => /^b\d+:/.test(field));
    expect(await batchFields()).toEqual(["b0:n", "b0:d"]);
    await engine.executions.fail(runId, started.fence, JSON.stringify({ name: "Error", message: "gave up" }), { retryable: false, maxAttempts: 1, delayMs: 0 });
    await engine.children.deliverParentNotice(`${runId}|0|1`, "run_0000000000000000_0000000000000000", '{"ok":true,"output":1}');
    expect(await batchFields()).toEqual([]);
  });

  it("batchTrigger from a run starts every child and goes on, their ids in order; a replay triggers none twice", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [fireAndForget, member], ...REPLAY_ONLY });
    const { runId, sessionId } = await stack.client.tasks.trigger("batch-fire-and-forget", { count: 3 });
    await runReaches(stack.client, runId, "waiting");
    await stack.client.sessions.open(sessionId).input("batch-gate").send("go", { correlationId: "parent" });
    const ids = (await runReaches(stack.client, runId, "completed")).output as string[];
    const outputs = await Promise.all(ids.map(async (id) => (await runReaches(stack.client, id, "completed")).output));
    expect(outputs).toEqual([200, 202, 204]);
    expect((await stack.client.runs.list({ session: sessionId })).data).toHaveLength(4);
    expect((await stack.client.runs.retrieve(ids[0])).parentRunId).toBeNull();
  });
});

describe("POST /api/v1/tasks/:taskId/batch-trigger", () => {
  it("creates every run, in order (201); the same idempotency keys again create nothing (200)", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [member] });
    const session = await stack.client.sessions.create({ externalId: "batch-api" });
    const items = [
      { payload: { n: 1 }, sessionId: session.id, idempotencyKey: "b-1" },
      { payload: { n: 2 }, idempotencyKey: "b-2" },
    ];
    const created = await stack.http("POST", "/api/v1/tasks/batch-member/batch-trigger", { body: { items } });
    expect(created.status).toBe(201);
    const runs = created.body.runs as { runId: string; sessionId: string; deduplicated: boolean }[];
    expect(runs[0]).toMatchObject({ sessionId: session.id, deduplicated: false });
    expect(runs[1].sessionId).not.toBe(session.id);
    expect(await Promise.all(runs.map(async (r) => (await runReaches(stack.client, r.runId, "completed")).output))).toEqual([2, 4]);
    const again = await stack.client.tasks.batchTrigger("batch-member", items);
    expect(again.runs.map((r) => [r.runId, r.deduplicated])).toEqual(runs.map((r) => [r.runId, true]));
    expect((await stack.http("POST", "/api/v1/tasks/batch-member/batch-trigger", { body: { items } })).status).toBe(200);
  });

  it("refuses a batch with an unknown or closed session, an unknown task, no items or too many, creating no run", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [member] });
    const closed = await stack.client.sessions.create({ externalId: "batch-closed" });
    await stack.client.sessions.close(closed.id);
    const path = "/api/v1/tasks/batch-member/batch-trigger";
    const unknown = await stack.http("POST", path, { body: { items: [{ payload: 1 }, { payload: 2, sessionId: "ses_0000000000000000" }] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: "session_not_found", message: expect.stringContaining("items[1].sessionId") });
    const shut = await stack.http("POST", path, { body: { items: [{ payload: 1 }, { payload: 2, sessionId: closed.id }] } });
    expect(shut.status).toBe(409);
    expect(shut.body.error.code).toBe("session_closed");
    expect((await stack.http("POST", "/api/v1/tasks/nobody/batch-trigger", { body: { items: [{ payload: 1 }] } })).body.error.code).toBe("task_not_found");
    expect((await stack.http("POST", path, { body: { items: [] } })).status).toBe(422);
    const tooMany = await stack.http("POST", path, { body: { items: Array.from({ length: 1001 }, () => ({})) } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.issues[0].path).toBe("/items");
    expect((await stack.client.runs.list({ task: "batch-member" })).data).toEqual([]);
  });
});
