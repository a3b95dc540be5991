import { task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

describe("idempotency keys expire (HELMR_IDEMPOTENCY_TTL)", () => {
  it("a repeated key names the first run or token until it expires, and starts a new one after", async () => {
    stack = await startStack({ idempotencyTtlMs: 400 });
    await stack.startWorker({ tasks: [task({ id: "idem-once", run: async () => "ran" })] });
    const { redis, keys } = stack.engine.resources;

    const first = await stack.client.tasks.trigger("idem-once", {}, { idempotencyKey: "order-1" });
    const repeated = await stack.client.tasks.trigger("idem-once", {}, { idempotencyKey: "order-1" });
    expect(repeated).toMatchObject({ runId: first.runId, deduplicated: true });
    const token = await stack.client.tokens.create({ timeout: "1h", idempotencyKey: "approval-1" });
    expect((await stack.client.tokens.create({ timeout: "1h", idempotencyKey: "approval-1" })).id).toBe(token.id);

    const ttl = await redis.pttl(keys.runByIdempotencyKey("idem-once", "order-1"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(400);
    await eventually(async () => (await redis.exists(keys.runByIdempotencyKey("idem-once", "order-1"), keys.tokenByIdempotencyKey("approval-1"))) === 0, {
      what: "both idempotency keys to expire",
    });
    const later = await stack.client.tasks.trigger("idem-once", {}, { idempotencyKey: "order-1" });
    expect(later.deduplicated).toBe(false);
    expect(later.runId).not.toBe(first.runId);
    expect((await stack.client.tokens.create({ timeout: "1h", idempotencyKey: "approval-1" })).id).not.toBe(token.id);
    // The first run is untouched by its key's expiry.
    expect((await stack.client.runs.retrieve(first.runId)).status).toMatch(/queued|running|completed/);
  });
});
