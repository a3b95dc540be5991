import { MAX_JSON_DEPTH } from "@helmr/core";
import { task } from "@helmr/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rawRequest } from "../harness/raw-http.ts";
import { runReaches } from "../harness/runs.ts";
import { redisState } from "../harness/redis-state.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

/** One test per defect a probe found; each fails on the code before its fix. */
let stack: TestStack;
const MAX_PAYLOAD = 4096;
beforeEach(async () => {
  stack = await startStack({ maxPayloadBytes: MAX_PAYLOAD });
  await stack.startWorker({
    tasks: [task({ id: "echo", run: async (p) => p }), task({ id: "a:b", run: async () => "a:b" }), task({ id: "a", run: async () => "a" })],
  });
});
afterEach(() => stack?.close());

const state = () => redisState(stack.engine.resources.redis, stack.prefix);
const url = (path: string) => stack.server.url + path;
const auth = () => ({ authorization: `Bearer ${stack.apiKey}` });
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

async function createToken(): Promise<{ id: string; callbackUrl: string; publicAccessToken: string }> {
  const response = await stack.http("POST", "/api/v1/tokens", { body: { timeout: "1h" } });
  expect(response.status).toBe(201);
  return response.body;
}

/** Sends the request and checks it was refused with the status and code, in the one error shape, writing nothing. */
async function refusedUnchanged(send: () => Promise<{ status: number; json(): any }>, status: number, code: string) {
  const before = await state();
  const response = await send();
  expect(response.status).toBe(status);
  const body = response.json();
  expect(body.error).toMatchObject({ code, message: expect.any(String) });
  expect(await state()).toEqual(before);
  return body;
}

const post = (path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }, key = true) =>
  rawRequest(url(path), { method: "POST", body, headers: { ...(key ? auth() : {}), ...headers } });

describe("durations out of range (defect 1)", () => {
  it("refuses token timeouts and public-token expiries longer than 3650 days with 422, storing nothing", async () => {
    const session = (await stack.http("POST", "/api/v1/sessions", { body: {} })).body;
    for (const timeout of ["99999999999999999999999999999999", "99999999999999d", "3651d", 1e300, 3651 * 86_400_000]) {
      await refusedUnchanged(() => post("/api/v1/tokens", JSON.stringify({ timeout })), 422, "validation_failed");
      const scope = { type: "session.input.send", session: session.id, stream: "approval" };
      await refusedUnchanged(() => post("/api/v1/auth/public-tokens", JSON.stringify({ scope, expiresIn: timeout })), 422, "validation_failed");
    }
    expect((await stack.http("POST", "/api/v1/tokens", { body: { timeout: "3650d" } })).status).toBe(201);
    expect((await stack.http("GET", "/api/v1/tokens")).status).toBe(200);
  });

  it("lists tokens, runs and sessions around a stored record that cannot be read", async () => {
    const good = await createToken();
    const broken = await createToken();
    const { redis, keys } = stack.engine.resources;
    // As the defect left them: a timeout past the range of a Date, and a field that is not JSON.
    await redis.hset(keys.token(broken.id), "timeoutAt", "1e32");
    expect((await stack.http("GET", `/api/v1/tokens/${broken.id}`)).status).toBe(200);
    await redis.hset(keys.token(broken.id), "tags", "{not json");
    const tokens = await stack.http("GET", "/api/v1/tokens");
    expect(tokens.status).toBe(200);
    expect(tokens.body.data.map((t: { id: string }) => t.id)).toEqual([good.id]);

    const { runId, sessionId } = (await stack.http("POST", "/api/v1/tasks/echo/trigger", { body: { payload: 1 } })).body;
    const other = (await stack.http("POST", "/api/v1/tasks/echo/trigger", { body: { payload: 2, sessionId } })).body;
    await redis.hset(keys.run(runId), "payload", "{not json");
    await redis.hset(keys.session((await stack.http("POST", "/api/v1/sessions", { body: {} })).body.id), "tags", "{not json");
    const runs = await stack.http("GET", "/api/v1/runs");
    expect(runs.status).toBe(200);
    expect(runs.body.data.map((r: { id: string }) => r.id)).toEqual([other.runId]);
    const sessions = await stack.http("GET", "/api/v1/sessions");
    expect(sessions.status).toBe(200);
    expect(sessions.body.data.map((s: { id: string }) => s.id)).toEqual([sessionId]);
  });
});

describe("bodies that are not JSON (defect 2)", () => {
  const notJson: [string, Record<string, string>][] = [
    ["text/plain", { "content-type": "text/plain" }],
    ["form-urlencoded", { "content-type": "application/x-www-form-urlencoded" }],
    ["XML", { "content-type": "application/xml" }],
    ["no content type", {}],
  ];

  it("a callback URL answers 415 for a body it does not parse and 400 for an empty one; the provider's JSON retry then completes the token", async () => {
    const token = await createToken();
    const callback = new URL(token.callbackUrl).pathname;
    for (const [, headers] of notJson) await refusedUnchanged(() => post(callback, '{"approved":true}', headers, false), 415, "unsupported_media_type");
    await refusedUnchanged(() => post(callback, "", { "content-type": "application/json" }, false), 400, "empty_body");
    await refusedUnchanged(() => post(callback, "   ", { "content-type": "application/json" }, false), 400, "empty_body");
    const retry = await post(callback, '{"approved":true}', { "content-type": "application/json" }, false);
    expect(retry.status).toBe(200);
    // The callback answers the outcome; the data is there for a secret key to read.
    expect(retry.json().token).toMatchObject({ id: token.id, status: "completed" });
    expect((await stack.client.tokens.retrieve(token.id)).data).toEqual({ approved: true });
  });

  it("a trigger, a session create and every other body route answer 415 for other content types, storing nothing", async () => {
    const session = (await stack.http("POST", "/api/v1/sessions", { body: {} })).body;
    const token = await createToken();
    const routes: [string, string][] = [
      ["/api/v1/tasks/echo/trigger", '{"payload":1}'],
      ["/api/v1/sessions", '{"externalId":"customer-1"}'],
      [`/api/v1/sessions/${session.id}/input/approval`, '{"data":1}'],
      ["/api/v1/tokens", '{"timeout":"1h"}'],
      [`/api/v1/tokens/${token.id}/complete`, '{"data":1}'],
      ["/api/v1/auth/public-tokens", JSON.stringify({ scope: { type: "session.input.send", session: session.id, stream: "approval" } })],
      [`/api/v1/sessions/${session.id}/close`, "{}"],
    ];
    for (const [path, body] of routes)
      for (const [, headers] of notJson) await refusedUnchanged(() => post(path, body, headers), 415, "unsupported_media_type");
  });

  it("routes that need a body answer 400 empty_body without one; routes whose fields are optional take none", async () => {
    const session = (await stack.http("POST", "/api/v1/sessions", { body: {} })).body;
    const token = await createToken();
    for (const path of [
      `/api/v1/sessions/${session.id}/input/approval`,
      "/api/v1/tokens",
      `/api/v1/tokens/${token.id}/complete`,
      "/api/v1/auth/public-tokens",
    ]) {
      await refusedUnchanged(() => post(path, ""), 400, "empty_body");
      await refusedUnchanged(() => rawRequest(url(path), { method: "POST", headers: auth() }), 400, "empty_body");
    }
    const trigger = await rawRequest(url("/api/v1/tasks/echo/trigger"), { method: "POST", headers: auth() });
    expect(trigger.status).toBe(201);
    expect((await stack.client.runs.retrieve(trigger.json().runId)).payload).toBeNull();
  });
});

describe("cursors out of Redis's stream id range (defect 5)", () => {
  it("answer 422 on every list, and on an event stream's Last-Event-ID", async () => {
    const session = (await stack.http("POST", "/api/v1/sessions", { body: {} })).body;
    const paths = [
      `/api/v1/sessions/${session.id}/input/approval?after=18446744073709551616-0`,
      `/api/v1/sessions/${session.id}/input/approval?after=18446744073709551615-18446744073709551615`,
      `/api/v1/sessions/${session.id}/output/events?after=18446744073709551616-0`,
      `/api/v1/sessions/${session.id}/output/events?after=0-18446744073709551616`,
    ];
    for (const list of ["runs", "sessions", "tokens"])
      paths.push(`/api/v1/${list}?cursor=0-0`, `/api/v1/${list}?cursor=99999999999999999999-0`, `/api/v1/${list}?cursor=18446744073709551616-0`);
    for (const path of paths) {
      const response = await stack.http("GET", path);
      expect(response.status, path).toBe(422);
      expect(response.body.error.code, path).toBe("validation_failed");
    }
    for (const lastEventId of ["18446744073709551616-0", "abc"]) {
      const response = await stack.http("GET", `/api/v1/sessions/${session.id}/output/events`, {
        headers: { accept: "text/event-stream", "last-event-id": lastEventId },
      });
      expect(response.status, lastEventId).toBe(422);
    }
    // The largest ids Redis takes still read (an empty page), and the smallest is where reading starts.
    expect((await stack.http("GET", `/api/v1/sessions/${session.id}/input/approval?after=18446744073709551615-0`)).status).toBe(200);
    expect((await stack.http("GET", `/api/v1/sessions/${session.id}/output/events?after=0-0`)).status).toBe(200);
    expect((await stack.http("GET", "/api/v1/runs?cursor=0-1")).status).toBe(200);
  });
});

describe("prototype keys (defect 6)", () => {
  it("answer 400 invalid_json on every POST route; a callback checks its secret before it reads the body", async () => {
    const session = (await stack.http("POST", "/api/v1/sessions", { body: {} })).body;
    const token = await createToken();
    const { runId } = (await stack.http("POST", "/api/v1/tasks/echo/trigger", { body: { payload: 1, sessionId: session.id } })).body;
    // The worker finishes it first: nothing may change Redis while requests are compared.
    await runReaches(stack.client, runId, "completed");
    const routes = [
      "/api/v1/tasks/echo/trigger",
      "/api/v1/sessions",
      `/api/v1/sessions/${session.id}/close`,
      `/api/v1/sessions/${session.id}/input/approval`,
      `/api/v1/runs/${runId}/cancel`,
      "/api/v1/tokens",
      `/api/v1/tokens/${token.id}/complete`,
      "/api/v1/auth/public-tokens",
    ];
    const bodies = ['{"__proto__":{"polluted":true}}', '{"data":{"a":[{"__proto__":{}}]}}', '{"payload":{"constructor":{"prototype":{"x":1}}}}'];
    for (const path of routes) for (const body of bodies) await refusedUnchanged(() => post(path, body), 400, "invalid_json");
    const callback = new URL(token.callbackUrl).pathname;
    await refusedUnchanged(() => post(callback, bodies[0], undefined, false), 400, "invalid_json");
    const wrongSecret = callback.replace(/[^/]+$/, "wrong-secret");
    await refusedUnchanged(() => post(wrongSecret, bodies[0], undefined, false), 404, "token_not_found");
    await refusedUnchanged(() => post(wrongSecret, "text", { "content-type": "text/plain" }, false), 404, "token_not_found");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("deeply nested JSON (defect 7)", () => {
  it(`answers 422 past ${MAX_JSON_DEPTH} levels on every body, and takes a body at the limit`, async () => {
    const session = (await stack.http("POST", "/api/v1/sessions", { body: {} })).body;
    const token = await createToken();
    const cases: [string, (deep: string) => string][] = [
      [`/api/v1/sessions/${session.id}/input/approval`, (deep) => `{"data":${deep}}`],
      [`/api/v1/tokens/${token.id}/complete`, (deep) => `{"data":${deep}}`],
      ["/api/v1/tasks/echo/trigger", (deep) => `{"payload":${deep}}`],
      ["/api/v1/sessions", (deep) => `{"metadata":{"x":${deep}}}`],
      ["/api/v1/tokens", (deep) => `{"timeout":"1h","metadata":{"x":${deep}}}`],
    ];
    for (const [path, wrap] of cases) {
      for (const depth of [MAX_JSON_DEPTH, 3_000, 100_000]) {
        // 100,000 levels is over the 4 KiB limit of this stack: refused for size first.
        const expected: [number, string] = depth === 100_000 ? [413, "payload_too_large"] : [422, "validation_failed"];
        await refusedUnchanged(() => post(path, wrap(nested(depth))), ...expected);
      }
    }
    const callback = new URL(token.callbackUrl).pathname;
    await refusedUnchanged(() => post(callback, nested(MAX_JSON_DEPTH + 1), undefined, false), 422, "validation_failed");
    // Quotes and brackets inside strings do not count as nesting.
    const atLimit = await post(`/api/v1/sessions/${session.id}/input/approval`, `{"data":${nested(MAX_JSON_DEPTH - 1).replace("[]", '["[[[{\\"[["]')}}`);
    expect(atLimit.status).toBe(202);
  });
});

describe("idempotency keys (defect 8)", () => {
  it("never collide across tasks whose ids contain ':'", async () => {
    const first = await stack.http("POST", "/api/v1/tasks/a:b/trigger", { body: { idempotencyKey: "k" } });
    const second = await stack.http("POST", "/api/v1/tasks/a/trigger", { body: { idempotencyKey: "b:k" } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.runId).not.toBe(first.body.runId);
    expect((await stack.client.runs.retrieve(second.body.runId)).taskId).toBe("a");
    const again = await stack.http("POST", "/api/v1/tasks/a/trigger", { body: { idempotencyKey: "b:k" } });
    expect(again).toMatchObject({ status: 200, body: { runId: second.body.runId, deduplicated: true } });
  });
});

describe("CORS (defect 9)", () => {
  it("is on only for the method and route pairs a public access token may call", async () => {
    const session = (await stack.http("POST", "/api/v1/sessions", { body: {} })).body;
    const token = await createToken();
    const origin = { origin: "https://app.example.com" };
    const allowOrigin = (r: { headers: Record<string, unknown> }) => r.headers["access-control-allow-origin"];
    const input = `/api/v1/sessions/${session.id}/input/approval`;

    // Reading a session is a browser's call too (a session.read token); listing sessions is not.
    expect(allowOrigin(await rawRequest(url(input), { method: "GET", headers: { ...auth(), ...origin } }))).toBe("*");
    expect(allowOrigin(await rawRequest(url(`/api/v1/sessions/${session.id}`), { method: "GET", headers: { ...auth(), ...origin } }))).toBe("*");
    expect(allowOrigin(await rawRequest(url("/api/v1/sessions"), { method: "GET", headers: { ...auth(), ...origin } }))).toBeUndefined();
    expect(
      allowOrigin(
        await rawRequest(url("/api/v1/tokens"), {
          method: "POST",
          body: '{"timeout":"1h"}',
          headers: { ...auth(), ...origin, "content-type": "application/json" },
        }),
      ),
    ).toBeUndefined();
    expect(allowOrigin(await post(input, '{"data":1}', { ...origin, "content-type": "application/json" }))).toBe("*");
    expect(allowOrigin(await post(`/api/v1/tokens/${token.id}/complete`, '{"data":1}', { ...origin, "content-type": "application/json" }))).toBe("*");

    const preflight = (path: string, method: string) =>
      rawRequest(url(path), {
        method: "OPTIONS",
        headers: { ...origin, "access-control-request-method": method, "access-control-request-headers": "authorization, content-type" },
      });
    const allowed = await preflight(input, "POST");
    expect(allowed.status).toBe(204);
    expect(allowOrigin(allowed)).toBe("*");
    expect(allowOrigin(await preflight(input, "GET"))).toBe("*");
    expect(allowOrigin(await preflight(input, "DELETE"))).toBeUndefined();
    expect(allowOrigin(await preflight("/api/v1/sessions", "GET"))).toBeUndefined();
    expect(allowOrigin(await preflight("/api/v1/tokens", "POST"))).toBeUndefined();
  });
});

describe("metadata is held to the payload limit (defect 10)", () => {
  it("answers 413 for session and token metadata over HELMR_MAX_PAYLOAD_BYTES, storing nothing", async () => {
    const metadata = { note: "x".repeat(MAX_PAYLOAD) };
    await refusedUnchanged(() => post("/api/v1/sessions", JSON.stringify({ metadata })), 413, "payload_too_large");
    await refusedUnchanged(() => post("/api/v1/tokens", JSON.stringify({ timeout: "1h", metadata })), 413, "payload_too_large");
    const fits = { note: "x".repeat(MAX_PAYLOAD - 100) };
    expect((await post("/api/v1/sessions", JSON.stringify({ metadata: fits }))).status).toBe(201);
  });
});

describe("charsets and content sniffing", () => {
  it("reads bodies as UTF-8 only: another declared charset is 415 and stores nothing; utf-8 in any spelling works", async () => {
    const session = (await stack.http("POST", "/api/v1/sessions", { body: {} })).body;
    const input = `/api/v1/sessions/${session.id}/input/notes`;
    // "+ACI-" is UTF-7 for a quote: decoded as UTF-7 this body would be {"data":"x"}.
    for (const charset of ["utf-7", "UTF-16", "latin1", "iso-8859-1"]) {
      const body = await refusedUnchanged(
        () => post(input, "{+ACI-data+ACI-:+ACI-x+ACI-}", { "content-type": `application/json; charset=${charset}` }),
        415,
        "unsupported_media_type",
      );
      expect(body.error.message).toContain("UTF-8");
    }
    for (const charset of ["utf-8", "UTF-8", "utf8"])
      expect((await post(input, JSON.stringify({ data: "é" }), { "content-type": `application/json; charset=${charset}` })).status).toBe(202);
  });

  it("sends X-Content-Type-Options: nosniff on every response: successes, errors, pages and unknown routes", async () => {
    const token = await createToken();
    const responses = [
      await rawRequest(url("/healthz"), { method: "GET" }),
      await rawRequest(url("/api/v1/runs"), { method: "GET", headers: auth() }),
      await rawRequest(url("/api/v1/runs"), { method: "GET" }),
      await rawRequest(url("/api/v1/nope"), { method: "GET", headers: auth() }),
      await rawRequest(url("/approve"), { method: "GET" }),
      await rawRequest(url("/dashboard"), { method: "GET" }),
      await post(new URL(token.callbackUrl).pathname, "not json", { "content-type": "text/plain" }, false),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 401, 404, 200, 200, 415]);
    for (const response of responses) expect(response.headers["x-content-type-options"]).toBe("nosniff");
  });
});
