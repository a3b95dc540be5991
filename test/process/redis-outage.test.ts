import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApiServer, type ApiServer } from "@helmr/api";
import { createEngine, type HelmrEngine } from "@helmr/broker";
import { startEmbeddedRedis, type EmbeddedRedis } from "@helmr/embedded-redis";
import { afterEach, describe, expect, it } from "vitest";
import { helmr } from "../harness/cli.ts";
import { eventually } from "../harness/poll.ts";
import { testLogger } from "../harness/stack.ts";

/** While Redis is gone the API says so with 503, and recovers when it is back. */
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

const API_KEY = "sk_test_outage_00000000000";

async function apiOnOwnRedis(): Promise<{ dir: string; redis: EmbeddedRedis; engine: HelmrEngine; server: ApiServer }> {
  const dir = mkdtempSync(join(tmpdir(), "helmr-outage-"));
  const redis = await startEmbeddedRedis({ dir });
  cleanup.push(() => redis.stop());
  const logger = testLogger();
  const engine = createEngine({ redisUrl: redis.url, prefix: "outage", logger, secret: "outage-test-secret-0123456789-abcdef" });
  await engine.ready();
  const server = await startApiServer({ engine, logger, apiKeys: [API_KEY], maxPayloadBytes: 1 << 20 }, { port: 0, host: "127.0.0.1" });
  cleanup.push(
    () => engine.close(),
    () => server.close(),
  );
  return { dir, redis, engine, server };
}

/** A request that must be answered (a hang fails it through the abort). */
async function call(server: ApiServer, method: string, path: string, body?: unknown) {
  const response = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.json() };
}

describe("a Redis outage", () => {
  it("answers /healthz, reads and writes with 503 redis_unavailable and Retry-After, then serves again once Redis is back", async () => {
    const { dir, redis, server } = await apiOnOwnRedis();
    const session = await call(server, "POST", "/api/v1/sessions", {});
    expect(session.status).toBe(201);

    await redis.stop();
    await eventually(async () => (await fetch(`${server.url}/healthz`)).status === 503, { what: "healthz to answer 503" });
    const requests: [string, string, unknown?][] = [
      ["POST", "/api/v1/sessions", {}],
      ["POST", "/api/v1/tokens", { timeout: "1h" }],
      ["POST", `/api/v1/sessions/${session.body.id}/input/approval`, { data: 1 }],
      ["GET", "/api/v1/runs"],
      ["GET", `/api/v1/sessions/${session.body.id}`],
    ];
    for (const [method, path, body] of requests) {
      const response = await call(server, method, path, body);
      expect(response.status, `${method} ${path}`).toBe(503);
      expect(response.body.error.code).toBe("redis_unavailable");
      expect(Number(response.retryAfter)).toBeGreaterThan(0);
    }

    const back = await startEmbeddedRedis({ dir, port: redis.port });
    cleanup.push(() => back.stop());
    await eventually(async () => (await fetch(`${server.url}/healthz`)).status === 200, { timeoutMs: 15_000, what: "healthz to answer 200" });
    expect((await call(server, "POST", "/api/v1/sessions", {})).status).toBe(201);
    expect((await call(server, "GET", `/api/v1/sessions/${session.body.id}`)).status).toBe(200);
  });

  it("a command that cannot reach Redis prints one line saying so, without log lines or stack traces", async () => {
    const { redis } = await apiOnOwnRedis();
    await redis.stop();
    const env = { HELMR_REDIS_URL: redis.url, HELMR_API_KEYS: API_KEY, HELMR_SECRET: "s".repeat(40), HELMR_LOG_LEVEL: "info" };
    for (const args of [
      ["server", "--port", "0"],
      ["worker", "test/fixtures/tasks.ts"],
      ["dev", "--port", "0"],
      ["snapshot", "list"],
    ]) {
      const result = await helmr(args, env);
      expect(result.code, args.join(" ")).toBe(1);
      const output = (result.stdout + result.stderr).trim();
      expect(output, args.join(" ")).toMatch(/Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
      expect(output, args.join(" ")).not.toMatch(/"level"|ECONNREFUSED|\n\s+at /);
    }
  });
});
