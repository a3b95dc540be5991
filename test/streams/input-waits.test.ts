import { WaitTimeoutError, step, streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";
import type { RunRecord } from "@helmr/core";

let stack: TestStack;
afterEach(() => stack?.close());

const runIn = (runId: string, ...statuses: RunRecord["status"][]) => runReaches(stack.client, runId, ...statuses);

const approval = streams.input("approval", {
  schema: z.object({ decision: z.enum(["approve", "reject", "edit"]), note: z.string().optional() }),
});

const publishReview = task({
  id: "publish-review",
  run: async (event: { owner: string; repo: string; prNumber: number }, ctx) => {
    const correlationId = `github:${event.owner}/${event.repo}#${event.prNumber}`;
    await step.run("notify", () => ({ sessionId: ctx.session.id, stream: approval.id, correlationId }));
    const decision = await approval.wait({ timeout: "30m", correlationId }).unwrap();
    if (decision.decision !== "approve") return { status: "skipped" };
    return { status: "posted", note: decision.note ?? null };
  },
});

describe("input waits", () => {
  it("runs the spec's publish-review flow: another correlationId does not resume the run, the right one does", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [publishReview] });
    const { runId, sessionId } = await stack.client.tasks.trigger("publish-review", { owner: "acme", repo: "site", prNumber: 7 });
    const parked = await runIn(runId, "waiting");
    expect(parked.waitingOn).toMatchObject({ kind: "input", stream: "approval", correlationId: "github:acme/site#7", deadline: expect.any(String) });

    const input = stack.client.sessions.open(sessionId).input(approval);
    const wrong = await input.send({ decision: "approve" }, { correlationId: "github:acme/site#8" });
    expect(wrong).toMatchObject({ status: "buffered" });
    expect((await stack.client.runs.retrieve(runId)).status).toBe("waiting");

    const right = await input.send({ decision: "approve", note: "Looks good." }, { correlationId: "github:acme/site#7" });
    expect(right).toMatchObject({ status: "resumed", runId });
    const done = await runIn(runId, "completed");
    expect(done.output).toEqual({ status: "posted", note: "Looks good." });

    const history = await input.list();
    expect(history.data.map((e) => [e.correlationId, e.status, e.consumedBy?.runId ?? null])).toEqual([
      ["github:acme/site#8", "buffered", null],
      ["github:acme/site#7", "consumed", runId],
    ]);
    const waits = await stack.client.waits.list({ session: sessionId });
    expect(waits.data).toEqual([]);
  });

  it("buffers input sent before the wait and hands it over the moment the run reaches the wait", async () => {
    stack = await startStack();
    const early = streams.input<{ n: number }>("early");
    await stack.startWorker({ tasks: [task({ id: "late-waiter", run: async () => (await early.wait()).ok && (await early.wait().unwrap()) })] });
    const session = await stack.client.sessions.create();
    const input = stack.client.sessions.open(session.id).input("early");
    expect(await input.send({ n: 1 })).toMatchObject({ status: "buffered" });
    expect(await input.send({ n: 2 })).toMatchObject({ status: "buffered" });
    const { runId } = await stack.client.tasks.trigger("late-waiter", null, { sessionId: session.id });
    const run = await runIn(runId, "completed");
    expect(run.output).toEqual({ n: 2 });
    const events = (await stack.client.runs.events(runId)).data.map((e) => e.type);
    expect(events).not.toContain("parked");
  });

  it("gives each of two waits in one session only the input with its own correlationId", async () => {
    stack = await startStack();
    const answers = streams.input<string>("answers");
    await stack.startWorker({ tasks: [task({ id: "ask", run: async (p: { topic: string }) => answers.wait({ correlationId: p.topic }).unwrap() })] });
    const session = await stack.client.sessions.create();
    const a = await stack.client.tasks.trigger("ask", { topic: "a" }, { sessionId: session.id });
    const b = await stack.client.tasks.trigger("ask", { topic: "b" }, { sessionId: session.id });
    await runIn(a.runId, "waiting");
    await runIn(b.runId, "waiting");
    const input = stack.client.sessions.open(session.id).input("answers");
    expect(await input.send("for b", { correlationId: "b" })).toMatchObject({ status: "resumed", runId: b.runId });
    expect(await input.send("no one asked")).toMatchObject({ status: "buffered" });
    expect(await input.send("for a", { correlationId: "a" })).toMatchObject({ status: "resumed", runId: a.runId });
    expect((await runIn(a.runId, "completed")).output).toBe("for a");
    expect((await runIn(b.runId, "completed")).output).toBe("for b");
  });

  it("serves two waits on the same (stream, correlationId) oldest first", async () => {
    stack = await startStack();
    const queue = streams.input<number>("queue");
    await stack.startWorker({ tasks: [task({ id: "take", run: async () => queue.wait({ correlationId: "q" }).unwrap() })] });
    const session = await stack.client.sessions.create();
    const first = await stack.client.tasks.trigger("take", null, { sessionId: session.id });
    await runIn(first.runId, "waiting");
    const second = await stack.client.tasks.trigger("take", null, { sessionId: session.id });
    await runIn(second.runId, "waiting");
    const input = stack.client.sessions.open(session.id).input("queue");
    expect(await input.send(1, { correlationId: "q" })).toMatchObject({ runId: first.runId });
    expect(await input.send(2, { correlationId: "q" })).toMatchObject({ runId: second.runId });
    expect((await runIn(first.runId, "completed")).output).toBe(1);
    expect((await runIn(second.runId, "completed")).output).toBe(2);
  });

  it("50 concurrent senders to one waiting correlationId: exactly one is consumed, the rest buffered, none lost", async () => {
    stack = await startStack();
    const votes = streams.input<{ voter: number }>("votes");
    await stack.startWorker({ tasks: [task({ id: "first-vote", run: async () => votes.wait({ correlationId: "poll-1" }).unwrap() })] });
    const session = await stack.client.sessions.create();
    const { runId } = await stack.client.tasks.trigger("first-vote", null, { sessionId: session.id });
    await runIn(runId, "waiting");
    const input = stack.client.sessions.open(session.id).input("votes");
    const results = await Promise.all(Array.from({ length: 50 }, (_, voter) => input.send({ voter }, { correlationId: "poll-1" })));
    const resumed = results.filter((r) => r.status === "resumed");
    expect(resumed).toHaveLength(1);
    const run = await runIn(runId, "completed");
    const history = (await input.list({ limit: 100 })).data;
    expect(history).toHaveLength(50);
    expect(history.filter((e) => e.status === "consumed").map((e) => e.data)).toEqual([run.output]);
    expect(new Set(history.map((e) => (e.data as { voter: number }).voter)).size).toBe(50);
    const { redis, keys } = stack.engine.resources;
    expect(await redis.zcard(keys.inputBuffer(session.id, "votes", "poll-1"))).toBe(49);
  });

  it("resumes with { ok: false } on timeout, and unwrap() throws a WaitTimeoutError", async () => {
    stack = await startStack();
    const reply = streams.input("reply");
    await stack.startWorker({
      tasks: [
        task({
          id: "impatient",
          run: async () => {
            const result = await reply.wait({ timeout: "300ms" });
            const thrown = await reply
              .wait({ timeout: 1 })
              .unwrap()
              .catch((e: unknown) => e);
            return { ok: result.ok, error: result.ok ? null : result.error.name, thrown: thrown instanceof WaitTimeoutError && thrown.name };
          },
        }),
      ],
    });
    const { runId, sessionId } = await stack.client.tasks.trigger("impatient");
    const run = await runIn(runId, "completed");
    expect(run.output).toEqual({ ok: false, error: "WaitTimeoutError", thrown: "WaitTimeoutError" });
    // A later input is buffered, not given to the timed-out wait.
    expect(await stack.client.sessions.open(sessionId).input("reply").send("late")).toMatchObject({ status: "buffered" });
  });

  it("validates on resume when no worker published a schema: invalid input gives { ok: false } naming the issue", async () => {
    stack = await startStack();
    const strict = streams.input("strict-unpublished", { schema: z.object({ amount: z.number() }) });
    await stack.startWorker({
      tasks: [
        task({
          id: "strict",
          run: async () => {
            const r = await strict.wait();
            return r.ok ? r.output : { error: r.error.name, message: r.error.message };
          },
        }),
      ],
    });
    // Remove the published schema, as if the worker that declares the stream never published it.
    await stack.engine.resources.redis.hdel(stack.engine.resources.keys.inputSchemas(), "strict-unpublished");
    const { runId, sessionId } = await stack.client.tasks.trigger("strict");
    await runIn(runId, "waiting");
    await stack.client.sessions.open(sessionId).input("strict-unpublished").send({ amount: "ten" });
    const run = await runIn(runId, "completed");
    expect(run.output).toMatchObject({ error: "InputValidationError", message: expect.stringContaining("/amount") });
  });
});
