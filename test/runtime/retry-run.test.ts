import { NonRetriableError, step, streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { redisState } from "../harness/redis-state.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const approval = streams.input<string>("retry-approval");
/** Calls of each step's function, by step name: a retry must not call a step that succeeded again. */
const calls = new Map<string, number>();
const downstream = { up: false };
const called = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);

/** Reserves, waits for an approval, then ships: shipping fails while the downstream is down. */
const order = task({
  id: "retry-order",
  retry: { maxAttempts: 2, minDelay: "10ms" },
  run: async (payload: { order: string }) => {
    const reserved = await step.run("reserve", () => (called("reserve"), `reserved ${payload.order}`));
    const approvedBy = await approval.wait().unwrap();
    const shipped = await step.run("ship", () => {
      called("ship");
      if (!downstream.up) throw new Error("the shipping service is down");
      return `shipped ${payload.order}`;
    });
    return { reserved, approvedBy, shipped };
  },
});

const failsAtOnce = task({
  id: "retry-fails-at-once",
  run: async () => {
    throw new NonRetriableError("broken");
  },
});

/** Waits for a child that fails, and goes on with the failure. */
const parent = task({
  id: "retry-parent",
  run: async () => {
    const result = await failsAtOnce.triggerAndWait({});
    return { childFailed: !result.ok };
  },
});

describe("retrying a failed run from its last good step", () => {
  it("keeps the journal: the steps that succeeded and the input are not done again, the failed step runs, as a new attempt of the same run", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [order] });
    calls.clear();
    downstream.up = false;
    const { runId, sessionId } = await stack.client.tasks.trigger("retry-order", { order: "o-7" });
    await runReaches(stack.client, runId, "waiting");
    await stack.client.sessions.open(sessionId).input("retry-approval").send("ana");
    const failed = await runReaches(stack.client, runId, "failed");
    // The task's own two attempts ran and failed at "ship".
    expect(failed.attempt).toBe(2);
    expect(calls.get("ship")).toBe(2);

    downstream.up = true;
    const retried = await stack.http("POST", `/api/v1/runs/${runId}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: runId, attempt: 3, error: null, finishedAt: null });
    expect(["queued", "running", "completed"]).toContain(retried.body.status);
    const done = await runReaches(stack.client, runId, "completed");
    expect(done.output).toEqual({ reserved: "reserved o-7", approvedBy: "ana", shipped: "shipped o-7" });
    expect(calls.get("reserve")).toBe(1);
    expect(calls.get("ship")).toBe(3);
    const events = (await stack.client.runs.events(runId)).data;
    expect(events.filter((event) => event.type === "retried").at(-1)).toMatchObject({ attempt: 3, detail: { reason: "retry requested" } });
  });

  it("gives the retried run the task's attempts afresh", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [order] });
    calls.clear();
    downstream.up = false;
    const { runId, sessionId } = await stack.client.tasks.trigger("retry-order", { order: "o-8" });
    await runReaches(stack.client, runId, "waiting");
    await stack.client.sessions.open(sessionId).input("retry-approval").send("bo");
    await runReaches(stack.client, runId, "failed");
    // Still down: the retry's own two attempts run, then it fails again.
    const retried = await stack.client.runs.retry(runId);
    expect(retried.attempt).toBe(3);
    expect((await runReaches(stack.client, runId, "failed")).attempt).toBe(4);
    expect(calls.get("ship")).toBe(4);
    expect(calls.get("reserve")).toBe(1);
  });

  it("refuses a run that has not failed, an unknown run, a child run and a closed session's run, and changes nothing", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [order, failsAtOnce, parent] });
    downstream.up = false;
    const waiting = await stack.client.tasks.trigger("retry-order", { order: "o-9" });
    await runReaches(stack.client, waiting.runId, "waiting");
    const failedRun = await stack.client.tasks.trigger("retry-fails-at-once", {});
    await runReaches(stack.client, failedRun.runId, "failed");
    const closedSession = await stack.client.sessions.create();
    const inClosed = await stack.client.tasks.trigger("retry-fails-at-once", {}, { sessionId: closedSession.id });
    await runReaches(stack.client, inClosed.runId, "failed");
    await stack.client.sessions.close(closedSession.id);
    const parentRun = await stack.client.tasks.trigger("retry-parent", {});
    expect((await runReaches(stack.client, parentRun.runId, "completed")).output).toEqual({ childFailed: true });
    const child = (await stack.client.runs.list({ task: "retry-fails-at-once", session: parentRun.sessionId })).data[0];
    expect(child.status).toBe("failed");
    const before = await redisState(stack.engine.resources.redis, stack.prefix);

    const notFailed = await stack.http("POST", `/api/v1/runs/${waiting.runId}/retry`);
    expect(notFailed.status).toBe(409);
    expect(notFailed.body.error.code).toBe("run_not_failed");
    const unknown = await stack.http("POST", "/api/v1/runs/run_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8/retry");
    expect(unknown.status).toBe(404);
    expect((await stack.http("POST", "/api/v1/runs/nope/retry")).status).toBe(404);
    const closed = await stack.http("POST", `/api/v1/runs/${inClosed.runId}/retry`);
    expect(closed.status).toBe(409);
    expect(closed.body.error.code).toBe("session_closed");
    expect(closed.body.error.message).toContain("replay");
    const ofChild = await stack.http("POST", `/api/v1/runs/${child.id}/retry`);
    expect(ofChild.status).toBe(409);
    expect(ofChild.body.error.code).toBe("run_has_parent");
    const withBody = await stack.http("POST", `/api/v1/runs/${failedRun.runId}/retry`, { body: { from: 1 } });
    expect(withBody.status).toBe(422);
    expect(await redisState(stack.engine.resources.redis, stack.prefix)).toEqual(before);
  });
});
