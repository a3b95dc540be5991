import { createHmac } from "node:crypto";
import { NonRetriableError, streams, task, tokens, verifyWebhook, WebhookVerificationError } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { redisState } from "../harness/redis-state.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../harness/webhook-receiver.ts";

let stack: TestStack;
let receiver: WebhookReceiver;
afterEach(async () => {
  await stack?.close();
  await receiver?.close();
});

const approval = streams.input<string>("hook-approval");
const completes = task({ id: "hook-completes", run: async (p: { n: number }) => ({ doubled: p.n * 2 }) });
const fails = task({
  id: "hook-fails",
  run: async () => {
    throw new NonRetriableError("card declined");
  },
});
const waitsForApproval = task({ id: "hook-waits", run: async () => approval.wait().unwrap() });
const waitsForToken = task({
  id: "hook-token",
  run: async () => {
    const token = await tokens.create({ timeout: "1h" });
    return token.wait().unwrap();
  },
});

/** The Standard Webhooks signature computed here, from the spec, without Helmr's code. */
function expectedSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

const events = () => receiver.received.map((delivery) => JSON.parse(delivery.body));

describe("webhooks out", () => {
  it("delivers run ends signed by the Standard Webhooks spec, checked independently and with verifyWebhook", async () => {
    stack = await startStack();
    receiver = await startWebhookReceiver();
    const created = await stack.http("POST", "/api/v1/webhooks", { body: { url: receiver.url, events: ["run.completed", "run.failed"] } });
    await stack.startWorker({ tasks: [completes, fails] });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const { secret, id } = created.body;
    // The secret is shown once: never in a read.
    expect(JSON.stringify(await stack.client.webhooks.retrieve(id))).not.toContain(secret.slice(6));
    expect(JSON.stringify(await stack.client.webhooks.list())).not.toContain(secret.slice(6));

    const ok = await stack.client.tasks.trigger("hook-completes", { n: 21 });
    const bad = await stack.client.tasks.trigger("hook-fails", {});
    await runReaches(stack.client, ok.runId, "completed");
    await runReaches(stack.client, bad.runId, "failed");
    await eventually(() => receiver.received.length === 2, { what: "two deliveries" });

    for (const delivery of receiver.received) {
      const { "webhook-id": webhookId, "webhook-timestamp": timestamp, "webhook-signature": signature } = delivery.headers as Record<string, string>;
      expect(delivery.headers["content-type"]).toBe("application/json");
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
      expect(signature).toBe(expectedSignature(secret, webhookId, timestamp, delivery.body));
      expect(verifyWebhook(secret, delivery.headers as Record<string, string>, delivery.body)).toEqual(JSON.parse(delivery.body));
      // A changed body, another secret or an old timestamp are refused.
      expect(() => verifyWebhook(secret, delivery.headers as Record<string, string>, `${delivery.body} `)).toThrow(WebhookVerificationError);
      expect(() => verifyWebhook(`whsec_${Buffer.alloc(32, 1).toString("base64")}`, delivery.headers as Record<string, string>, delivery.body)).toThrow(
        WebhookVerificationError,
      );
      expect(() => verifyWebhook(secret, delivery.headers as Record<string, string>, delivery.body, { now: Date.now() + 3_600_000 })).toThrow(
        /too far from now/,
      );
    }
    const byType = Object.fromEntries(events().map((event) => [event.type, event]));
    expect(byType["run.completed"].data).toMatchObject({
      runId: ok.runId,
      sessionId: ok.sessionId,
      taskId: "hook-completes",
      status: "completed",
      output: { doubled: 42 },
    });
    expect(byType["run.failed"].data).toMatchObject({ runId: bad.runId, taskId: "hook-fails", status: "failed", error: { message: "card declined" } });
    const log = (await stack.client.webhooks.retrieve(id)).deliveries;
    expect(log.map((entry) => entry.outcome)).toEqual(["delivered", "delivered"]);
  });

  it("retries a delivery answered 500 with the same webhook-id, and logs each attempt with its next retry", async () => {
    stack = await startStack();
    receiver = await startWebhookReceiver();
    receiver.answer = (_delivery, index) => (index < 2 ? 500 : 204);
    const { id } = await stack.client.webhooks.create({ url: receiver.url, events: ["run.completed"] });
    await stack.startWorker({ tasks: [completes] });
    const { runId } = await stack.client.tasks.trigger("hook-completes", { n: 1 });
    await runReaches(stack.client, runId, "completed");
    await eventually(() => receiver.received.length === 3, { what: "three attempts" });
    const ids = new Set(receiver.received.map((delivery) => delivery.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    // Each attempt signs its own timestamp.
    const [first, , last] = receiver.received;
    expect(last.body).toBe(first.body);
    const webhook = await eventually(async () => {
      const read = await stack.client.webhooks.retrieve(id);
      return read.deliveries.length === 3 && read;
    });
    expect(webhook.deliveries.map((entry) => [entry.outcome, entry.statusCode, entry.attempt])).toEqual([
      ["delivered", 204, 3],
      ["failed", 500, 2],
      ["failed", 500, 1],
    ]);
    expect(webhook.deliveries[2].nextAttemptAt).not.toBeNull();
    expect(webhook.deliveries[0].nextAttemptAt).toBeNull();
    expect(webhook.failuresInARow).toBe(0);
    // Nothing more comes.
    expect(receiver.received).toHaveLength(3);
  });

  it("disables an endpoint after failed deliveries in a row, and enables it again", async () => {
    stack = await startStack({ webhooks: { disableAfter: 3, retryBaseMs: 50 } });
    receiver = await startWebhookReceiver();
    receiver.answer = () => 503;
    const { id } = await stack.client.webhooks.create({ url: receiver.url, events: ["run.completed"] });
    await stack.startWorker({ tasks: [completes] });
    await stack.client.tasks.trigger("hook-completes", { n: 1 });
    const disabled = await eventually(async () => {
      const read = await stack.client.webhooks.retrieve(id);
      return read.disabledAt !== null && read;
    });
    expect(disabled.failuresInARow).toBe(3);
    const attempts = receiver.received.length;
    expect(attempts).toBe(3);
    // Disabled: later events are not sent to it.
    const { runId } = await stack.client.tasks.trigger("hook-completes", { n: 2 });
    await runReaches(stack.client, runId, "completed");
    receiver.answer = () => 200;
    const enabled = await stack.client.webhooks.enable(id);
    expect(enabled).toMatchObject({ disabledAt: null, failuresInARow: 0 });
    expect(receiver.received).toHaveLength(attempts);
    const next = await stack.client.tasks.trigger("hook-completes", { n: 3 });
    await eventually(() => events().some((event) => event.data.runId === next.runId), { what: "the next run's end delivered" });
    expect(events().some((event) => event.data.runId === runId)).toBe(false);
  });

  it("sends wait.created, token.completed and token.timed_out", async () => {
    stack = await startStack();
    receiver = await startWebhookReceiver();
    // Created before the worker starts: a process trusts its list of endpoints for a second.
    await stack.client.webhooks.create({ url: receiver.url, events: ["wait.created", "token.completed", "token.timed_out"] });
    await stack.startWorker({ tasks: [waitsForApproval, waitsForToken] });
    const parked = await stack.client.tasks.trigger("hook-waits", {});
    await eventually(() => events().some((event) => event.type === "wait.created"), { what: "wait.created" });
    expect(events().find((event) => event.type === "wait.created").data).toMatchObject({
      runId: parked.runId,
      wait: { kind: "input", stream: "hook-approval" },
    });

    const tokenRun = await stack.client.tasks.trigger("hook-token", {});
    const waiting = await runReaches(stack.client, tokenRun.runId, "waiting");
    const tokenId = (waiting.waitingOn as { tokenId: string }).tokenId;
    await stack.client.tokens.complete(tokenId, { approved: true });
    await eventually(() => events().some((event) => event.type === "token.completed"), { what: "token.completed" });
    expect(events().find((event) => event.type === "token.completed").data).toMatchObject({ tokenId, data: { approved: true }, waitingRunId: tokenRun.runId });

    // A token's timeout, as its waiting run's due job settles it.
    const timingOut = await stack.client.tasks.trigger("hook-token", {});
    const parkedOnToken = await runReaches(stack.client, timingOut.runId, "waiting");
    const timedOutToken = (parkedOnToken.waitingOn as { tokenId: string }).tokenId;
    await stack.engine.tokens.settleDueTimeout(timingOut.runId, Date.now() + 2 * 3_600_000);
    await eventually(() => events().some((event) => event.type === "token.timed_out"), { what: "token.timed_out" });
    expect(events().find((event) => event.type === "token.timed_out").data).toMatchObject({ tokenId: timedOutToken, waitingRunId: timingOut.runId });
  });

  it("sends run.cancelled for a cancel and for a session's close, and run.expired for a ttl that ran out", async () => {
    stack = await startStack();
    receiver = await startWebhookReceiver();
    await stack.engine.tasks.register(["hook-never-runs"]);
    await stack.client.webhooks.create({ url: receiver.url, events: ["run.cancelled", "run.expired"] });
    await stack.startWorker({ tasks: [waitsForApproval] });
    const cancelled = await stack.client.tasks.trigger("hook-waits", {});
    const closing = await stack.client.tasks.trigger("hook-waits", {});
    await runReaches(stack.client, cancelled.runId, "waiting");
    await runReaches(stack.client, closing.runId, "waiting");
    await stack.client.runs.cancel(cancelled.runId);
    await stack.client.sessions.close(closing.sessionId);
    const expiring = await stack.client.tasks.trigger("hook-never-runs", {}, { ttl: "200ms" });
    await eventually(() => events().length === 3, { timeoutMs: 15_000, what: "three run ends" });
    const ends = Object.fromEntries(events().map((event) => [event.data.runId, event.type]));
    expect(ends).toEqual({ [cancelled.runId]: "run.cancelled", [closing.runId]: "run.cancelled", [expiring.runId]: "run.expired" });
    // Every mark in the outbox was cleared.
    const outbox = stack.engine.resources.keys.outboxOf(cancelled.runId);
    expect((await stack.engine.resources.redis.zrange(outbox, 0, -1)).filter((intent) => intent.endsWith(":hook"))).toEqual([]);
  });

  it("refuses URLs outside http(s), internal addresses unless allowed, and bad bodies, storing nothing; deletes an endpoint", async () => {
    stack = await startStack({ webhooks: { allowPrivate: false } });
    const before = await redisState(stack.engine.resources.redis, stack.prefix);
    const refused = async (body: unknown, pointer: string, message?: RegExp) => {
      const response = await stack.http("POST", "/api/v1/webhooks", { body });
      expect(response.status).toBe(422);
      const issue = response.body.error.issues.find((candidate: { path: string }) => candidate.path === pointer);
      expect(issue).toBeDefined();
      if (message) expect(issue.message).toMatch(message);
    };
    await refused({ url: "file:///etc/passwd", events: ["run.failed"] }, "/url", /http or https/);
    await refused({ url: "http://127.0.0.1:9/hooks", events: ["run.failed"] }, "/url", /internal address \(127\.0\.0\.1\).*HELMR_WEBHOOKS_ALLOW_PRIVATE/);
    await refused({ url: "http://localhost:9/hooks", events: ["run.failed"] }, "/url", /internal address/);
    await refused({ url: "http://10.1.2.3/hooks", events: ["run.failed"] }, "/url", /internal address/);
    await refused({ url: "http://[::1]/hooks", events: ["run.failed"] }, "/url", /internal address/);
    await refused({ url: "http://169.254.169.254/latest/meta-data", events: ["run.failed"] }, "/url", /internal address/);
    await refused({ url: "https://user:pw@example.com/hooks", events: ["run.failed"] }, "/url", /credentials/);
    await refused({ url: "not a url", events: ["run.failed"] }, "/url");
    await refused({ url: "https://example.com/hooks", events: [] }, "/events");
    await refused({ url: "https://example.com/hooks", events: ["run.exploded"] }, "/events/0");
    await refused({ url: "https://example.com/hooks", events: ["run.failed"], secret: "hunter2" }, "/secret");
    expect(await redisState(stack.engine.resources.redis, stack.prefix)).toEqual(before);

    const unknown = await stack.http("GET", "/api/v1/webhooks/wh_01J9Z8K3M4N5P6Q7");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("webhook_not_found");
    expect((await stack.http("DELETE", "/api/v1/webhooks/wh_01J9Z8K3M4N5P6Q7")).status).toBe(404);
  });

  it("signs with a secret of the creator's, and deletes an endpoint with its log", async () => {
    stack = await startStack();
    receiver = await startWebhookReceiver();
    const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    const created = await stack.client.webhooks.create({ url: receiver.url, events: ["run.completed"], secret });
    await stack.startWorker({ tasks: [completes] });
    expect(created.secret).toBe(secret);
    const { runId } = await stack.client.tasks.trigger("hook-completes", { n: 4 });
    await runReaches(stack.client, runId, "completed");
    await eventually(() => receiver.received.length === 1, { what: "the delivery" });
    expect(verifyWebhook(secret, receiver.received[0].headers as Record<string, string>, receiver.received[0].body)).toMatchObject({ type: "run.completed" });
    await eventually(async () => (await stack.client.webhooks.retrieve(created.id)).deliveries.length === 1, { what: "the log" });

    const deleted = await stack.http("DELETE", `/api/v1/webhooks/${created.id}`);
    expect(deleted.status).toBe(204);
    expect(await stack.client.webhooks.list()).toEqual([]);
    const keys = await stack.engine.resources.redis.keys(`${stack.prefix}:{webhooks}:*`);
    expect(keys).toEqual([]);
  });
});
