import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine, type HelmrEngine } from "@helmr/broker";
import { newRunId, newSessionId } from "@helmr/core";
import { startEmbeddedRedis, type EmbeddedRedis } from "@helmr/embedded-redis";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { testLogger } from "../harness/stack.ts";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

/**
 * Where a resume goes depends on which workers a process believes alive. A belief that
 * took long to arrive (Redis stalled or restarting meanwhile) may name workers that died
 * since: their queues may be deleted by then, so such a view must send resumes to the
 * shared queue. A Redis of its own, since the test stalls it (CLIENT PAUSE).
 */
describe("a process's view of the live workers", () => {
  it("is not trusted when it arrives more than a second after it was asked for: the resume goes to the shared queue", async () => {
    const redis: EmbeddedRedis = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), "helmr-view-")), appendonly: false });
    cleanup.push(() => redis.stop());
    const engine: HelmrEngine = createEngine({ redisUrl: redis.url, prefix: "view", logger: testLogger() });
    cleanup.push(() => engine.close());
    await engine.ready();
    const admin = new Redis(redis.url);
    cleanup.push(async () => admin.disconnect());
    const runId = newRunId(newSessionId());
    const shared = engine.resources.runsQueueOf(runId, "v1");

    await engine.warm.heartbeat("w1", { tasks: ["t"], version: "v1", startedAt: Date.now() });
    expect(await engine.warm.queueFor("w1", runId, "v1")).toBe(engine.warm.queueOf("w1"));

    // The view is due for a refresh, and Redis stalls for 1.5 s before it answers.
    engine.warm.invalidateView();
    await admin.call("CLIENT", "PAUSE", "1500", "ALL");
    expect(await engine.warm.queueFor("w1", runId, "v1")).toBe(shared);

    // A view that answers at once is trusted again.
    engine.warm.invalidateView();
    expect(await engine.warm.queueFor("w1", runId, "v1")).toBe(engine.warm.queueOf("w1"));
  });
});
