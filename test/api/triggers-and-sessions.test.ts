import { newSessionId } from "@helmr/core";
import { task, timers } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

describe("idempotent trigger", () => {
  it("returns the first run for a repeated idempotencyKey, even under concurrent triggers", async () => {
    stack = await startStack();
    let executions = 0;
    await stack.startWorker({ tasks: [task({ id: "pay", run: async (p) => (executions++, p) })] });

    const first = await stack.http("POST", "/api/v1/tasks/pay/trigger", { body: { payload: { cents: 100 }, idempotencyKey: "order-1" } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ runId: expect.stringMatching(/^run_/), sessionId: expect.stringMatching(/^ses_/), deduplicated: false });
    const again = await stack.http("POST", "/api/v1/tasks/pay/trigger", { body: { payload: { cents: 100 }, idempotencyKey: "order-1" } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, deduplicated: true });

    const racing = await Promise.all(Array.from({ length: 10 }, () => stack.client.tasks.trigger("pay", { cents: 5 }, { idempotencyKey: "order-2" })));
    expect(new Set(racing.map((r) => r.runId)).size).toBe(1);
    expect(racing.filter((r) => !r.deduplicated)).toHaveLength(1);

    await eventually(async () => (await stack.client.runs.list({ status: "completed" })).data.length === 2);
    // Each run and its session are listed once, however many triggers raced for them.
    expect((await stack.client.runs.list()).data).toHaveLength(2);
    expect((await stack.client.sessions.list()).data).toHaveLength(2);
    expect(executions).toBe(2);
  });
});

describe("sessions", () => {
  it("maps one externalId to one session, filters by tag and externalId, and shows a session's runs", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [task({ id: "noop", run: async () => null })] });
    const created = await stack.http("POST", "/api/v1/sessions", { body: { externalId: "conv-42", tags: ["support", "vip"], metadata: { plan: "pro" } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^ses_/),
      externalId: "conv-42",
      tags: ["support", "vip"],
      metadata: { plan: "pro" },
      status: "open",
    });
    const same = await stack.http("POST", "/api/v1/sessions", { body: { externalId: "conv-42" } });
    expect(same.status).toBe(200);
    expect(same.body.id).toBe(created.body.id);
    const other = await stack.client.sessions.create({ tags: ["support"] });
    // A create that died after claiming an externalId is completed by the next ones; racing,
    // they agree on one session, created once and listed once.
    const { redis, keys } = stack.engine.resources;
    const orphan = newSessionId();
    await redis.set(keys.sessionByExternalId("conv-43"), orphan);
    const racing = await Promise.all(Array.from({ length: 5 }, () => stack.engine.sessions.create({ externalId: "conv-43" })));
    expect(racing.map((r) => r.session.id)).toEqual(Array(5).fill(orphan));
    expect(racing.filter((r) => r.status === "created")).toHaveLength(1);
    expect((await stack.client.sessions.list()).data.map((s) => s.id)).toEqual([orphan, other.id, created.body.id]);

    expect((await stack.client.sessions.list({ tag: "vip" })).data.map((s) => s.id)).toEqual([created.body.id]);
    expect((await stack.client.sessions.list({ tag: "support" })).data.map((s) => s.id)).toEqual([other.id, created.body.id]);
    expect((await stack.client.sessions.list({ externalId: "conv-42" })).data.map((s) => s.id)).toEqual([created.body.id]);

    const { runId, sessionId } = await stack.client.tasks.trigger("noop", null, { sessionId: created.body.id });
    expect(sessionId).toBe(created.body.id);
    const detail = await stack.client.sessions.retrieve(created.body.id);
    expect(detail.runs.map((r) => r.id)).toEqual([runId]);
    expect((await stack.client.runs.list({ session: created.body.id })).data.map((r) => r.id)).toEqual([runId]);
  });

  it("pages runs and sessions with a cursor, newest first, without gaps or repeats", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [task({ id: "nap", run: async () => (await timers.waitFor("1h"), 1) })] });
    const triggered: string[] = [];
    for (let i = 0; i < 7; i++) triggered.push((await stack.client.tasks.trigger("nap", { i })).runId);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await stack.client.runs.list({ limit: 3, cursor });
      seen.push(...page.data.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...triggered].reverse());

    await eventually(async () => (await stack.client.runs.list({ status: "waiting" })).data.length === 7);
    const waiting = await stack.client.runs.list({ status: "waiting", task: "nap", limit: 5 });
    expect(waiting.data).toHaveLength(5);
    const rest = await stack.client.runs.list({ status: "waiting", task: "nap", limit: 5, cursor: waiting.nextCursor! });
    expect(rest.data).toHaveLength(2);
    expect(rest.nextCursor).toBeNull();

    const sessions: string[] = [];
    let sessionCursor: string | undefined;
    do {
      const page = await stack.client.sessions.list({ limit: 2, cursor: sessionCursor });
      sessions.push(...page.data.map((s) => s.id));
      sessionCursor = page.nextCursor ?? undefined;
    } while (sessionCursor);
    expect(new Set(sessions).size).toBe(7);
  });
});
