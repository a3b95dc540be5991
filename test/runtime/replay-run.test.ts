import { NonRetriableError, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

/** Fails while `downstream.up` is false: a run that failed on something since fixed. */
const downstream = { up: false };
const charge = task({
  id: "replay-charge",
  run: async (payload: { order: string; cents: number }) => {
    if (!downstream.up) throw new NonRetriableError("the payment service is down");
    return { charged: payload };
  },
});

describe("replaying a run", () => {
  it("runs the task again with the run's payload as a new run that names the first, which stays as it was", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [charge] });
    downstream.up = false;
    const payload = { order: "o-1", cents: 1250 };
    const first = await stack.client.tasks.trigger("replay-charge", payload, { concurrencyKey: "acme", priority: 7 });
    const failed = await runReaches(stack.client, first.runId, "failed");

    downstream.up = true;
    const replayed = await stack.http("POST", `/api/v1/runs/${first.runId}/replay`);
    expect(replayed.status).toBe(201);
    expect(replayed.body.runId).not.toBe(first.runId);
    expect(replayed.body.sessionId).not.toBe(first.sessionId);
    const again = await runReaches(stack.client, replayed.body.runId, "completed");
    expect(again).toMatchObject({ taskId: "replay-charge", payload, output: { charged: payload }, replayOf: first.runId, concurrencyKey: "acme", priority: 7 });
    // The first is untouched: still failed, with its error, naming no replay.
    expect(await stack.client.runs.retrieve(first.runId)).toEqual(failed);
    expect(failed.replayOf).toBeNull();

    // In a session of the caller's choosing, with the client.
    const session = await stack.client.sessions.create();
    const inSession = await stack.client.runs.replay(first.runId, { sessionId: session.id });
    expect(inSession.sessionId).toBe(session.id);
    expect(await runReaches(stack.client, inSession.runId, "completed")).toMatchObject({ replayOf: first.runId, sessionId: session.id });
  });

  it("refuses an unknown run, a bad body and a closed session, and creates nothing", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [charge] });
    downstream.up = true;
    const { runId } = await stack.client.tasks.trigger("replay-charge", { order: "o-2", cents: 1 });
    await runReaches(stack.client, runId, "completed");
    const runsBefore = (await stack.client.runs.list({ task: "replay-charge" })).data.length;

    const unknown = await stack.http("POST", "/api/v1/runs/run_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8/replay");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("run_not_found");
    expect((await stack.http("POST", "/api/v1/runs/nope/replay")).status).toBe(404);

    const bad = await stack.http("POST", `/api/v1/runs/${runId}/replay`, { body: { sessionId: 5 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe("/sessionId");
    expect((await stack.http("POST", `/api/v1/runs/${runId}/replay`, { body: { session: "x" } })).status).toBe(422);

    const closed = await stack.client.sessions.create();
    await stack.client.sessions.close(closed.id);
    const intoClosed = await stack.http("POST", `/api/v1/runs/${runId}/replay`, { body: { sessionId: closed.id } });
    expect(intoClosed.status).toBe(409);

    expect((await stack.client.runs.list({ task: "replay-charge" })).data.length).toBe(runsBefore);
  });
});
