import { createEngine } from "@helmr/broker";
import { startApiServer } from "@helmr/api";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedRedis } from "@helmr/embedded-redis";
import { afterEach, describe, expect, it } from "vitest";
import { startStack, testLogger, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

describe("authentication", () => {
  it("answers 401 in the one error shape without a key, with a wrong key, and with a malformed header", async () => {
    stack = await startStack();
    for (const headers of <Record<string, string>[]>[
      {},
      { authorization: "Bearer sk_wrong_key_000000000000" },
      { authorization: "Basic abc" },
      { authorization: `Bearer ${stack.apiKey}x` },
    ]) {
      const response = await fetch(`${stack.server.url}/api/v1/sessions`, { headers });
      expect(response.status).toBe(401);
      const body = await response.json();
      expect(body).toEqual({ error: { code: "unauthorized", message: expect.stringContaining("HELMR_API_KEYS") } });
    }
    const ok = await stack.http("GET", "/api/v1/sessions");
    expect(ok.status).toBe(200);
  });

  it("refuses an unauthenticated write and stores nothing", async () => {
    stack = await startStack();
    const response = await stack.http("POST", "/api/v1/sessions", { body: { tags: ["x"] }, key: null });
    expect(response.status).toBe(401);
    expect((await stack.client.sessions.list()).data).toEqual([]);
  });

  it("serves /healthz without a key and answers unknown routes with 404 in the error shape", async () => {
    stack = await startStack();
    const health = await stack.http("GET", "/healthz", { key: null });
    expect(health).toMatchObject({ status: 200, body: { status: "ok" } });
    const missing = await stack.http("GET", "/api/v1/nothing-here");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("route_not_found");
    expect(missing.headers.get("x-request-id")).toBeTruthy();
  });
});

describe("health when Redis is away", () => {
  it("answers 200 while Redis answers and 503 once it stops answering", async () => {
    const redis = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), "helmr-health-")), appendonly: false });
    const logger = testLogger();
    const engine = createEngine({ redisUrl: redis.url, prefix: "health", logger });
    const server = await startApiServer({ engine, logger, apiKeys: ["sk_test_000000000000000000"], maxPayloadBytes: 1024 }, { port: 0, host: "127.0.0.1" });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      await redis.stop();
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: "unavailable", redis: "down" });
    } finally {
      await server.close();
      await redis.stop();
      engine.resources.redis.disconnect();
      await engine.close().catch(() => {});
    }
  });
});
