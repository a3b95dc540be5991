import { OUTBOX_GRACE_MS } from "@helmr/broker";
import { streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { dispatchFault } from "../harness/faults.ts";
import { startStack, type TestStack } from "../harness/stack.ts";
import { prefixKeys } from "../harness/redis-state.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const decisions = streams.input("decisions", { schema: z.object({ decision: z.enum(["approve", "reject"]), note: z.string().max(20).optional() }) });
const waitsForDecision = task({
  id: "waits-for-decision",
  run: async (p: { corr?: string } | null) => decisions.wait({ correlationId: p?.corr, timeout: "1h" }).unwrap(),
});

async function storedKeys() {
  return prefixKeys(stack.engine.resources.redis, stack.prefix);
}

describe("sending input over HTTP", () => {
  it("refuses bad input with a clear 4xx and stores nothing", async () => {
    stack = await startStack({ maxPayloadBytes: 2048 });
    await stack.startWorker({ tasks: [waitsForDecision] });
    const session = await stack.client.sessions.create();
    const path = `/api/v1/sessions/${session.id}/input`;
    const before = await storedKeys();
    const cases: [string, { body?: unknown; rawBody?: string }, number, string, string?][] = [
      [`${path}/decisions`, { body: { data: { decision: "maybe" } } }, 422, "validation_failed", "/data/decision"],
      [`${path}/decisions`, { body: { data: { decision: "approve", note: "x".repeat(30) } } }, 422, "validation_failed", "/data/note"],
      [`${path}/decisions`, { body: { data: { decision: "approve" }, correlationId: "has spaces" } }, 422, "validation_failed", "/correlationId"],
      [`${path}/decisions`, { body: { data: { decision: "approve" }, correlationId: "x".repeat(300) } }, 422, "validation_failed", "/correlationId"],
      [`${path}/decisions`, { body: { correlationId: "c" } }, 422, "validation_failed", "/data"],
      [`${path}/bad%7Cname`, { body: { data: 1 } }, 422, "validation_failed"],
      [`${path}/${"s".repeat(200)}`, { body: { data: 1 } }, 422, "validation_failed"],
      [`${path}/decisions`, { body: { data: "x".repeat(3000) } }, 413, "payload_too_large"],
      [`${path}/decisions`, { rawBody: "{" }, 400, "invalid_json"],
      [`/api/v1/sessions/ses_0000000000000000/input/decisions`, { body: { data: { decision: "approve" } } }, 404, "session_not_found"],
    ];
    for (const [url, request, status, code, issuePath] of cases) {
      const response = await stack.http("POST", url, request);
      expect(response.status, `${url} ${JSON.stringify(request.body ?? request.rawBody)}`).toBe(status);
      expect(response.body.error.code).toBe(code);
      if (issuePath) expect(response.body.error.issues.map((i: { path: string }) => i.path)).toContain(issuePath);
    }
    expect(await storedKeys()).toEqual(before);
  });

  it("answers 409 for a closed session, and lists pending waits by session and run", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [waitsForDecision] });
    const session = await stack.client.sessions.create();
    const { runId } = await stack.client.tasks.trigger("waits-for-decision", { corr: "pr-1" }, { sessionId: session.id });
    await eventually(async () => (await stack.client.runs.retrieve(runId)).status === "waiting");

    const bySession = await stack.client.waits.list({ session: session.id });
    expect(bySession.data).toEqual([
      expect.objectContaining({
        runId,
        sessionId: session.id,
        taskId: "waits-for-decision",
        kind: "input",
        stream: "decisions",
        correlationId: "pr-1",
        deadline: expect.any(String),
        waitingSince: expect.any(String),
      }),
    ]);
    expect((await stack.client.waits.list({ run: runId })).data).toHaveLength(1);
    expect((await stack.client.waits.list()).data.map((w) => w.runId)).toEqual([runId]);
    expect((await stack.client.waits.list({ kind: "timer" })).data).toEqual([]);

    await stack.client.sessions.close(session.id);
    const refused = await stack.http("POST", `/api/v1/sessions/${session.id}/input/decisions`, {
      body: { data: { decision: "approve" }, correlationId: "pr-1" },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("session_closed");
    expect((await stack.client.sessions.open(session.id).input("decisions").list()).data).toEqual([]);
    expect((await stack.client.waits.list()).data).toEqual([]);
  });

  it("resumes a run whose delivery died between the match and the enqueue (outbox sweep)", async () => {
    const fault = dispatchFault();
    stack = await startStack({ hooks: fault.hooks });
    await stack.startWorker({ tasks: [waitsForDecision], sweepIntervalMs: 60_000 });
    const { runId, sessionId } = await stack.client.tasks.trigger("waits-for-decision", null);
    await eventually(async () => (await stack.client.runs.retrieve(runId)).status === "waiting");

    fault.arm();
    const response = await stack.http("POST", `/api/v1/sessions/${sessionId}/input/decisions`, { body: { data: { decision: "reject" } } });
    expect(response.status).toBe(500);
    expect((await stack.client.runs.retrieve(runId)).status).toBe("queued");
    const history = await stack.client.sessions.open(sessionId).input("decisions").list();
    expect(history.data).toMatchObject([{ status: "consumed", consumedBy: { runId } }]);

    expect(await stack.engine.outbox.sweep(Date.now() + OUTBOX_GRACE_MS + 1)).toBe(1);
    const run = await runReaches(stack.client, runId, "completed");
    expect(run.output).toEqual({ decision: "reject" });
  });
});
