import { describe, it } from "vitest";
import { crashChild } from "../fixtures/tasks.ts";
import { eventually } from "../harness/poll.ts";
import { scenario } from "../harness/racing-worker.ts";
import { startWebhookReceiver } from "../harness/webhook-receiver.ts";

/** The outbox sweeper's bound after a process dies (OUTBOX_GRACE_MS, plus a sweep or two). */
const SWEPT_MS = 20_000;

describe("a run's end reaches its webhooks though the worker dies", { timeout: 60_000 }, () => {
  it("dies after a run's end and before its webhook: the outbox sweeper sends it, once", async ({ expect, onTestFinished }) => {
    const test = scenario(onTestFinished);
    const receiver = await startWebhookReceiver();
    onTestFinished(() => receiver.close());
    const stack = await test.start();
    const { id } = await stack.client.webhooks.create({ url: receiver.url, events: ["run.completed"] });
    const dying = await test.worker({ DIE_AT: "webhooks.beforeEmit" });
    const run = await stack.client.tasks.trigger("crash-child", { n: 41 });
    await dying.exited;
    expect((await stack.client.runs.retrieve(run.runId)).status).toBe("completed");
    expect(receiver.received).toHaveLength(0);
    // Any live worker sweeps the outbox: the mark the dead one left is its end's event.
    await stack.startWorker({ tasks: [crashChild] });
    const mark = `${run.runId}:hook`;
    const outbox = stack.engine.resources.keys.outboxOf(mark);
    await eventually(async () => (await stack.engine.resources.redis.zscore(outbox, mark)) === null, {
      timeoutMs: SWEPT_MS,
      what: "the sweeper to take the run's end mark",
    });
    await eventually(async () => (await stack.client.webhooks.retrieve(id)).deliveries.length === 1, { what: "the delivery" });
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(receiver.received[0].body)).toMatchObject({ type: "run.completed", data: { runId: run.runId, output: 42 } });
  });
});
