import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApiServer } from "@helmr/api";
import { createEngine } from "@helmr/broker";
import { startEmbeddedRedis, type EmbeddedRedis } from "@helmr/embedded-redis";
import { HelmrClient, createWorker, streams, task, timers, tokens } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { testLogger } from "../harness/stack.ts";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

const answer = streams.input<string>("restart-answer");
const parkedOnInput = task({ id: "restart-input", run: async () => answer.wait({ correlationId: "q" }).unwrap() });
const parkedOnToken = task({ id: "restart-token", run: async ({ tokenId }: { tokenId: string }) => tokens.wait(tokenId).unwrap() });
const parkedOnTimer = task({ id: "restart-timer", run: async ({ until }: { until: number }) => (await timers.waitUntil(until), "rang") });

describe("ARCHITECTURE.md invariant 6: a Redis restart with AOF loses nothing acknowledged", () => {
  it("resumes runs parked on an input, a token and a timer after Redis restarts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "helmr-restart-"));
    let redis: EmbeddedRedis = await startEmbeddedRedis({ dir, appendonly: true });
    const port = redis.port;
    cleanup.push(() => redis.stop());
    const logger = testLogger();
    const secret = "restart-test-secret-0123456789-abcdef";
    const engine = createEngine({ redisUrl: redis.url, prefix: "restart", logger, secret });
    const server = await startApiServer({ engine, logger, apiKeys: ["sk_test_restart_000000000"], maxPayloadBytes: 1 << 20 }, { port: 0, host: "127.0.0.1" });
    engine.resources.publicUrl = server.url;
    cleanup.push(
      () => engine.close(),
      () => server.close(),
    );
    const worker = await createWorker({
      tasks: [parkedOnInput, parkedOnToken, parkedOnTimer],
      redis: redis.url,
      prefix: "restart",
      logger,
      secret,
      lockDurationMs: 2000,
    });
    cleanup.push(() => worker.close());
    const client = new HelmrClient({ baseUrl: server.url, apiKey: "sk_test_restart_000000000" });

    const onInput = await client.tasks.trigger("restart-input");
    const token = await client.tokens.create({ timeout: "1h" });
    const onToken = await client.tasks.trigger("restart-token", { tokenId: token.id });
    const onTimer = await client.tasks.trigger("restart-timer", { until: Date.now() + 4000 });
    for (const { runId } of [onInput, onToken, onTimer]) await runReaches(client, runId, "waiting");

    // A clean restart: Redis writes its AOF out and reloads it on the same port.
    await redis.stop();
    redis = await startEmbeddedRedis({ dir, appendonly: true, port });
    await eventually(async () => (await fetch(`${server.url}/healthz`)).status === 200, { timeoutMs: 15_000 });

    expect((await client.runs.retrieve(onInput.runId)).status).toBe("waiting");
    await client.sessions.open(onInput.sessionId).input("restart-answer").send("after the restart", { correlationId: "q" });
    await client.tokens.complete(token.id, { approved: true });
    const results = await Promise.all([onInput, onToken, onTimer].map(({ runId }) => runReaches(client, runId, "completed")));
    expect(results.map((r) => r.output)).toEqual(["after the restart", { approved: true }, "rang"]);
  });
});
