import { OUTBOX_GRACE_MS } from "@helmr/broker";
import { task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { dispatchFault } from "../harness/faults.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

describe("dispatch outbox (ARCHITECTURE.md invariant 3)", () => {
  it("dispatches a run whose trigger died between creating it and adding its job", async () => {
    const fault = dispatchFault();
    stack = await startStack({ hooks: fault.hooks });
    fault.arm();
    await stack.startWorker({ tasks: [task({ id: "rescued", run: async () => "ran" })], sweepIntervalMs: 60_000 });
    const response = await stack.http("POST", "/api/v1/tasks/rescued/trigger", { body: { payload: 1 } });
    expect(response.status).toBe(500);

    const [[, [, runId]]] = (await stack.engine.resources.redis.xrange(stack.engine.resources.keys.shards[0].runsIndex(), "-", "+")) as [string, string[]][];
    expect((await stack.client.runs.retrieve(runId)).status).toBe("queued");
    expect(await stack.engine.resources.runsQueue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, delayed: 0 });

    // Within the grace period the sweeper leaves it alone (the writer may still be working).
    expect(await stack.engine.outbox.sweep()).toBe(0);
    expect(await stack.engine.outbox.sweep(Date.now() + OUTBOX_GRACE_MS + 1)).toBe(0); // lock held by the first sweep
    await stack.engine.resources.redis.del(stack.engine.resources.keys.sweeperLock());
    expect(await stack.engine.outbox.sweep(Date.now() + OUTBOX_GRACE_MS + 1)).toBe(1);
    await eventually(async () => (await stack.client.runs.retrieve(runId)).status === "completed");
    expect(await stack.engine.resources.redis.zcard(stack.engine.resources.keys.shards[0].dispatchOutbox())).toBe(0);
  });
});
