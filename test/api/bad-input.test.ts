import { task } from "@helmr/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startStack, type TestStack } from "../harness/stack.ts";
import { prefixKeys } from "../harness/redis-state.ts";

let stack: TestStack;
beforeEach(async () => {
  stack = await startStack({ maxPayloadBytes: 4096 });
  await stack.startWorker({ tasks: [task({ id: "echo", run: async (p) => p })] });
});
afterEach(() => stack?.close());

/** Everything a bad request could have written: the indexes of sessions and runs, and queued jobs. */
async function snapshot() {
  const { redis, keys, runsQueue } = stack.engine.resources;
  return {
    sessions: await redis.xlen(keys.shards[0].sessionsIndex()),
    runs: await redis.xlen(keys.shards[0].runsIndex()),
    jobs: await runsQueue.count(),
    keys: await prefixKeys(redis, stack.prefix),
  };
}

describe("bad input gets a clear 4xx and changes nothing", () => {
  const cases: {
    name: string;
    path: string;
    status: number;
    code: string;
    rawBody?: string;
    body?: unknown;
    headers?: Record<string, string>;
    issuePath?: string;
  }[] = [
    { name: "invalid JSON", path: "/api/v1/tasks/echo/trigger", rawBody: '{"payload": ', status: 400, code: "invalid_json" },
    {
      name: "a wrong type",
      path: "/api/v1/tasks/echo/trigger",
      body: { idempotencyKey: 42 },
      status: 422,
      code: "validation_failed",
      issuePath: "/idempotencyKey",
    },
    { name: "an unknown field", path: "/api/v1/tasks/echo/trigger", body: { payloadd: 1 }, status: 422, code: "validation_failed" },
    { name: "a JSON array body", path: "/api/v1/tasks/echo/trigger", rawBody: "[1,2]", status: 422, code: "validation_failed" },
    { name: "an unknown task", path: "/api/v1/tasks/no-such-task/trigger", body: { payload: 1 }, status: 404, code: "task_not_found" },
    { name: "an invalid task id", path: "/api/v1/tasks/%20bad%20/trigger", body: {}, status: 422, code: "validation_failed" },
    { name: "an unknown session", path: "/api/v1/tasks/echo/trigger", body: { sessionId: "ses_0000000000000000" }, status: 404, code: "session_not_found" },
    { name: "a malformed session id", path: "/api/v1/tasks/echo/trigger", body: { sessionId: "nope" }, status: 404, code: "session_not_found" },
    { name: "a body over the size limit", path: "/api/v1/tasks/echo/trigger", body: { payload: "x".repeat(8000) }, status: 413, code: "payload_too_large" },
    { name: "session tags of the wrong type", path: "/api/v1/sessions", body: { tags: "support" }, status: 422, code: "validation_failed", issuePath: "/tags" },
    {
      name: "an over-long externalId",
      path: "/api/v1/sessions",
      body: { externalId: "x".repeat(300) },
      status: 422,
      code: "validation_failed",
      issuePath: "/externalId",
    },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.code}`, async () => {
      const before = await snapshot();
      const response = await stack.http("POST", c.path, { body: c.body, rawBody: c.rawBody, headers: c.headers });
      expect(response.status).toBe(c.status);
      expect(response.body.error.code).toBe(c.code);
      expect(response.body.error.message).toEqual(expect.any(String));
      if (c.issuePath) expect(response.body.error.issues.map((i: { path: string }) => i.path)).toContain(c.issuePath);
      expect(await snapshot()).toEqual(before);
    });
  }

  it("answers 404 for unknown run and session ids, malformed or not, saying which route lists them", async () => {
    for (const path of [
      "/api/v1/runs/run_0000000000000000_0000000000000000",
      "/api/v1/runs/garbage",
      "/api/v1/sessions/ses_0000000000000000",
      "/api/v1/sessions/garbage",
      "/api/v1/runs/garbage/events",
    ]) {
      const response = await stack.http("GET", path);
      expect(response.status, path).toBe(404);
      expect(response.body.error.code).toMatch(/_not_found$/);
      expect(response.body.error.message, path).toMatch(
        /; (list runs with GET \/api\/v1\/runs|create one with POST \/api\/v1\/sessions or list them with GET \/api\/v1\/sessions)$/,
      );
    }
  });

  it("rejects bad list queries with 422", async () => {
    const response = await stack.http("GET", "/api/v1/runs?status=sleeping&limit=0");
    expect(response.status).toBe(422);
    expect(response.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(["/limit", "/status"]);
  });

  it("rejects a cursor that no page of that list handed out with 422", async () => {
    for (const path of ["/api/v1/runs?cursor=garbage", "/api/v1/sessions?cursor=ses_0000000000000000", "/api/v1/tokens?cursor=1-x"]) {
      const response = await stack.http("GET", path);
      expect(response.status, path).toBe(422);
      expect(response.body.error.message).toMatch(/nextCursor/);
    }
  });
});
