import { step, task, timers } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";
import type { RunRecord } from "@helmr/core";

let stack: TestStack;
afterEach(() => stack?.close());

const waitForStatus = (runId: string, status: RunRecord["status"]) => runReaches(stack.client, runId, status);

describe("cancellation", () => {
  it("cancels a parked run at once, and its timer later resumes nothing", async () => {
    stack = await startStack();
    let resumed = false;
    const parked = task({ id: "parked", run: async () => (await timers.waitFor("300ms"), (resumed = true)) });
    await stack.startWorker({ tasks: [parked] });
    const { runId } = await stack.client.tasks.trigger("parked");
    await waitForStatus(runId, "waiting");

    const cancelled = await stack.client.runs.cancel(runId);
    expect(cancelled).toMatchObject({ status: "cancelled", cancellation: "cancelled" });
    // The timer's job fires, finds the run cancelled, and is removed.
    await eventually(async () => {
      const counts = await stack.engine.resources.runsQueue.getJobCounts("delayed", "waiting", "active");
      return counts.delayed + counts.waiting + counts.active === 0;
    });
    expect(resumed).toBe(false);
    const types = (await stack.client.runs.events(runId)).data.map((e) => e.type);
    expect(types).toEqual(["triggered", "started", "parked", "cancelled"]);
    expect((await stack.client.runs.retrieve(runId)).status).toBe("cancelled");
  });

  it("cancels a running run at its next durable operation", async () => {
    stack = await startStack();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reached: string[] = [];
    const long = task({
      id: "long",
      run: async () => {
        await step.run("first", () => reached.push("first"));
        await gate;
        await step.run("second", () => reached.push("second"));
        await step.run("third", () => reached.push("third"));
        return "finished";
      },
    });
    await stack.startWorker({ tasks: [long] });
    const { runId } = await stack.client.tasks.trigger("long");
    await eventually(() => reached.includes("first"));

    const requested = await stack.client.runs.cancel(runId);
    expect(requested).toMatchObject({ status: "running", cancellation: "requested" });
    release();
    const run = await waitForStatus(runId, "cancelled");
    expect(run.output).toBeNull();
    expect(reached).not.toContain("third");
  });

  it("answers 409 when the run already finished", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [task({ id: "fast", run: async () => 1 })] });
    const { runId } = await stack.client.tasks.trigger("fast");
    await waitForStatus(runId, "completed");
    const response = await stack.http("POST", `/api/v1/runs/${runId}/cancel`);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe("run_finished");
  });

  it("closing a session cancels its parked runs and refuses new triggers with 409", async () => {
    stack = await startStack();
    const waits = task({ id: "waits", run: async () => (await timers.waitFor("1h"), 1) });
    await stack.startWorker({ tasks: [waits] });
    const session = await stack.client.sessions.create({ tags: ["support"] });
    const a = await stack.client.tasks.trigger("waits", null, { sessionId: session.id });
    const b = await stack.client.tasks.trigger("waits", null, { sessionId: session.id });
    await waitForStatus(a.runId, "waiting");
    await waitForStatus(b.runId, "waiting");

    const closed = await stack.http("POST", `/api/v1/sessions/${session.id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: "closed", cancelledRuns: 2 });
    expect((await stack.client.runs.retrieve(a.runId)).status).toBe("cancelled");
    expect((await stack.client.runs.retrieve(b.runId)).status).toBe("cancelled");

    const refused = await stack.http("POST", "/api/v1/tasks/waits/trigger", { body: { sessionId: session.id } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("session_closed");
    const runs = await stack.client.runs.list({ session: session.id });
    expect(runs.data).toHaveLength(2);
  });
});
