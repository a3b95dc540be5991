import { task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { startServerProcess, startedPerTest } from "../harness/processes.ts";
import { runReaches } from "../harness/runs.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../harness/webhook-receiver.ts";
import { createWorker, type HelmrWorker, verifyWebhook } from "@helmr/sdk";
import { testLogger } from "../harness/stack.ts";

/** Webhooks as an operator runs them: `helmr server` delivers, its HELMR_WEBHOOKS_* settings apply. */
const start = startedPerTest();
let receiver: WebhookReceiver | undefined;
let failing: WebhookReceiver | undefined;
let worker: HelmrWorker | undefined;
afterEach(async () => {
  await worker?.close();
  await receiver?.close();
  await failing?.close();
});

const echo = task({ id: "server-hook-echo", run: async (p: { text: string }) => p.text });

describe("webhooks from helmr server", () => {
  it("refuses a loopback endpoint by default, and with HELMR_WEBHOOKS_ALLOW_PRIVATE=true delivers a run's end, retried after a 500 (HELMR_WEBHOOKS_RETRY), and disables an endpoint after HELMR_WEBHOOKS_DISABLE_AFTER failures", async () => {
    receiver = await startWebhookReceiver();
    const strict = await startServerProcess(start);
    const refused = await fetch(`${strict.baseUrl}/api/v1/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${strict.env.HELMR_API_KEYS}`, "content-type": "application/json" },
      body: JSON.stringify({ url: receiver.url, events: ["run.completed"] }),
    });
    expect(refused.status).toBe(422);
    expect((await refused.json()).error.issues[0].message).toMatch(/HELMR_WEBHOOKS_ALLOW_PRIVATE=true/);

    const { env, client } = await startServerProcess(start, {
      HELMR_WEBHOOKS_ALLOW_PRIVATE: "true",
      HELMR_WEBHOOKS_RETRY: "100ms",
      HELMR_WEBHOOKS_DISABLE_AFTER: "3",
    });
    const { secret } = await client.webhooks.create({ url: receiver.url, events: ["run.completed"] });
    // An endpoint that always fails: disabled after HELMR_WEBHOOKS_DISABLE_AFTER failures in a row.
    failing = await startWebhookReceiver();
    failing.answer = () => 500;
    const broken = await client.webhooks.create({ url: failing.url, events: ["run.completed"] });
    receiver.answer = (_delivery, index) => (index === 0 ? 500 : 200);
    worker = await createWorker({ tasks: [echo], redis: env.HELMR_REDIS_URL, prefix: env.HELMR_PREFIX, secret: env.HELMR_SECRET, logger: testLogger() });
    const { runId } = await client.tasks.trigger("server-hook-echo", { text: "hi" });
    await runReaches(client, runId, "completed");
    await eventually(() => receiver!.received.length === 2, { what: "a failed attempt and its retry" });
    const [first, second] = receiver.received;
    expect(second.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(verifyWebhook(secret, second.headers as Record<string, string>, second.body)).toMatchObject({
      type: "run.completed",
      data: { runId, output: "hi" },
    });
    const disabled = await eventually(
      async () => {
        const read = await client.webhooks.retrieve(broken.id);
        return read.disabledAt !== null && read;
      },
      { what: "the failing endpoint disabled" },
    );
    expect(disabled.failuresInARow).toBe(3);
    expect(failing.received).toHaveLength(3);
  });
});
