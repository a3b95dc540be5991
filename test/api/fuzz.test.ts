import { MAX_JSON_DEPTH, Name } from "@helmr/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest, type RawResponse } from "../harness/raw-http.ts";
import { redisState } from "../harness/redis-state.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

/**
 * Generated bad requests against every route of the README's HTTP table: each
 * answers a 4xx in the one error shape (never a 5xx, never a hang) and leaves Redis exactly
 * as it was. Requests that are only odd (unknown query keys, say) may succeed, but still
 * write nothing: every route fuzzed here that writes is sent only requests that must fail.
 */
const MAX_PAYLOAD = 4096;
let stack: TestStack;
let ids: { session: string; run: string; token: string; callbackSecret: string };

beforeAll(async () => {
  stack = await startStack({ maxPayloadBytes: MAX_PAYLOAD });
  // Registered without a worker: the triggered run stays queued, so nothing writes in the background.
  await stack.engine.tasks.register(["echo"]);
  const session = (await stack.http("POST", "/api/v1/sessions", { body: { externalId: "fuzz" } })).body;
  const run = (await stack.http("POST", "/api/v1/tasks/echo/trigger", { body: { sessionId: session.id } })).body;
  const token = (await stack.http("POST", "/api/v1/tokens", { body: { timeout: "1h" } })).body;
  ids = { session: session.id, run: run.runId, token: token.id, callbackSecret: token.callbackUrl.split("/").pop() };
});
afterAll(() => stack?.close());

type Body = Record<string, unknown>;
interface BodyRoute {
  path: () => string;
  /** A body the route would accept (the fuzzer breaks it). */
  valid: () => Body;
  /** Fields with values the route must refuse. */
  badFields: Record<string, fc.Arbitrary<unknown>>;
  required: string[];
  /** The body is the data itself (callback URLs): any JSON is valid there. */
  raw?: boolean;
}

const oversized = fc.integer({ min: MAX_PAYLOAD + 1, max: MAX_PAYLOAD * 3 }).map((n) => "x".repeat(n));
const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const oddText = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.constantFrom("", " ", "a b", "\u0000", "é", "../x", "{tag}", "*", "%zz", "\u202e"));
/** Strings that break core's Name (stream names, task ids): a space, a bad first character, too long. */
const badName = fc.oneof(
  fc.constantFrom("", " x", "-x", "a b", "x|y", "é", "\u0000"),
  fc.integer({ min: 129, max: 400 }).map((n) => "n".repeat(n)),
);
const badCorrelationId = fc.oneof(
  fc.constantFrom("", "a b", "é", "\t"),
  fc.integer({ min: 257, max: 600 }).map((n) => "c".repeat(n)),
  notAString,
);
const badDuration = fc.oneof(
  fc.constantFrom(-1, 1.5, 1e300, -0.5, "", "1x", "-1s", "99999999999999999999999999999999", "99999999999999d", "3651d", "1h 2m", "NaN", "Infinity"),
  fc.maxSafeNat().map((n) => 3651 * 86_400_000 + n),
  fc.constant(null),
  fc.boolean(),
);
const badTags = fc.oneof(
  notAString.filter((v) => !Array.isArray(v)),
  fc.array(fc.string({ minLength: 65, maxLength: 80 }), { minLength: 1, maxLength: 2 }),
  fc.array(fc.constant("t"), { minLength: 21, maxLength: 25 }),
  fc.constant([""]),
);
const badMetadata = fc.oneof(
  fc.constantFrom(null, 1, "x", true, [1]),
  oversized.map((note) => ({ note })),
);

const routes: Record<string, BodyRoute> = {
  trigger: {
    path: () => "/api/v1/tasks/echo/trigger",
    valid: () => ({ payload: { n: 1 }, idempotencyKey: "k" }),
    badFields: {
      payload: oversized,
      sessionId: fc.oneof(oddText, notAString),
      idempotencyKey: fc.oneof(
        notAString,
        fc.constant(""),
        fc.integer({ min: 257, max: 400 }).map((n) => "k".repeat(n)),
      ),
    },
    required: [],
  },
  createSession: {
    path: () => "/api/v1/sessions",
    valid: () => ({ externalId: "fuzz-new", tags: ["t"], metadata: { a: 1 } }),
    badFields: {
      externalId: fc.oneof(
        notAString,
        fc.constant(""),
        fc.integer({ min: 257, max: 400 }).map((n) => "e".repeat(n)),
      ),
      tags: badTags,
      metadata: badMetadata,
    },
    required: [],
  },
  bulkCancel: {
    path: () => "/api/v1/runs/bulk-cancel",
    valid: () => ({ filter: { task: "echo" }, reason: "fuzz" }),
    badFields: {
      filter: fc.oneof(
        fc.constant({}),
        notAString.filter((v) => v === null || typeof v !== "object" || Array.isArray(v)),
        fc.record({ status: fc.constantFrom("completed", "failed", "sleeping", "") }),
        fc.record({ createdBefore: oddText }),
        fc.record({ task: badName }),
      ),
      reason: fc.oneof(
        notAString,
        fc.constant(""),
        fc.integer({ min: 501, max: 900 }).map((n) => "r".repeat(n)),
      ),
    },
    required: ["filter"],
  },
  bulkReplay: {
    path: () => "/api/v1/runs/bulk-replay",
    valid: () => ({ filter: { task: "echo" } }),
    badFields: {
      filter: fc.oneof(
        fc.constant({}),
        fc.record({ version: fc.constantFrom("", " v", "v/1") }),
        fc.record({ createdAfter: oddText }),
        fc.record({ owner: fc.string() }),
      ),
      dryRun: fc.oneof(fc.constantFrom("yes", 1, null), fc.object({ maxDepth: 0 })),
    },
    required: ["filter"],
  },
  createWebhook: {
    path: () => "/api/v1/webhooks",
    valid: () => ({ url: "https://example.com/hooks", events: ["run.failed"] }),
    badFields: {
      url: fc.oneof(notAString, fc.constantFrom("", "file:///etc/passwd", "ftp://example.com/x", "not a url", "https://u:p@example.com/")),
      events: fc.oneof(
        notAString.filter((v) => !Array.isArray(v)),
        fc.constant([]),
        fc.constant(["run.exploded"]),
        fc.array(fc.constant("run.failed"), { minLength: 8, maxLength: 9 }),
      ),
      secret: fc.oneof(notAString, fc.constantFrom("", "hunter2", "whsec_", "whsec_short")),
    },
    required: ["url", "events"],
  },
  closeSession: { path: () => `/api/v1/sessions/${ids.session}/close`, valid: () => ({}), badFields: {}, required: [] },
  cancelRun: { path: () => `/api/v1/runs/${ids.run}/cancel`, valid: () => ({}), badFields: {}, required: [] },
  sendInput: {
    path: () => `/api/v1/sessions/${ids.session}/input/approval`,
    valid: () => ({ data: { decision: "approve" }, correlationId: "c-1" }),
    badFields: { data: oversized, correlationId: badCorrelationId },
    required: ["data"],
  },
  createToken: {
    path: () => "/api/v1/tokens",
    valid: () => ({ timeout: "1h", tags: ["t"], metadata: { a: 1 }, idempotencyKey: "k" }),
    badFields: { timeout: badDuration, tags: badTags, metadata: badMetadata, idempotencyKey: notAString },
    required: ["timeout"],
  },
  completeToken: {
    path: () => `/api/v1/tokens/${ids.token}/complete`,
    valid: () => ({ data: { approved: true } }),
    badFields: { data: oversized },
    required: ["data"],
  },
  publicToken: {
    path: () => "/api/v1/auth/public-tokens",
    valid: () => ({ scope: { type: "session.input.send", session: ids.session, stream: "approval" }, maxUses: 1, expiresIn: "1d" }),
    badFields: {
      scope: fc.oneof(
        notAString,
        badName.map((stream) => ({ type: "session.input.send", session: ids.session, stream })),
        fc.constantFrom("session.output.read", "", "*").map((type) => ({ type, session: ids.session, stream: "approval" })),
        badCorrelationId.map((correlationId) => ({ type: "session.input.send", session: ids.session, stream: "approval", correlationId })),
        fc.constant(null).map(() => ({ type: "session.input.send", session: ids.session, stream: "approval", extra: 1 })),
      ),
      maxUses: fc.oneof(fc.constantFrom(0, -1, 1.5, 1e20, "3", null), fc.integer({ min: 1_000_001 })),
      expiresIn: badDuration,
      // Scopes beside a scope, none, too many, of two sessions, of an unknown run, of a kind there is not.
      scopes: fc.oneof(
        fc.constant(null).map(() => [{ type: "session.read", session: ids.session }]),
        fc.constant([]),
        fc.constant(null).map(() => Array.from({ length: 9 }, () => ({ type: "session.read", session: ids.session }))),
        fc.constantFrom("run_0000000000000000_0000000000000000", "nope", "").map((run) => [{ type: "run.read", run }]),
        fc.constantFrom("session.write", "run.write", "*").map((type) => [{ type, session: ids.session }]),
        notAString,
      ),
    },
    required: ["scope"],
  },
  createSchedule: {
    path: () => "/api/v1/schedules",
    valid: () => ({ task: "echo", cron: "0 9 * * 1-5", timezone: "Europe/Paris", payload: { n: 1 }, externalId: "cust-1", deduplicationKey: "d" }),
    badFields: {
      task: badName,
      cron: fc.oneof(fc.constantFrom("", "61 * * * *", "* * * *", "* * * * * * *", "0 0 31 2 *", "a b c d e", "0 25 * * *", "@sometimes"), notAString),
      timezone: fc.oneof(fc.constantFrom("", "Mars/Olympus", "Europe/Pariss", "+25:00", "../x", "*"), notAString),
      every: fc.constantFrom("1m", 60_000),
      payload: oversized,
      sessionId: fc.oneof(oddText, notAString, fc.constant("ses_0000000000000000")),
      externalId: fc.oneof(notAString, fc.constant("")),
    },
    required: ["task"],
  },
  callback: {
    path: () => `/api/v1/tokens/${ids.token}/callback/${ids.callbackSecret}`,
    valid: () => ({ approved: true }),
    badFields: {},
    required: [],
    raw: true,
  },
};

const CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x", "application/octet-stream", ""];

/** Nests a value `depth` levels deep, in arrays and objects alternately. */
const deep = (depth: number) => {
  let text = "1";
  for (let i = 0; i < depth; i++) text = i % 2 ? `[${text}]` : `{"k":${text}}`;
  return text;
};

/** One request a route must refuse: its body broken in one of the ways a client gets a body wrong. */
function badBody(route: BodyRoute): fc.Arbitrary<{ headers: Record<string, string>; body: string; why: string }> {
  const json = (body: string, why: string) => ({ headers: { "content-type": "application/json" }, body, why });
  const valid = () => JSON.stringify(route.valid());
  const options: fc.Arbitrary<{ headers: Record<string, string>; body: string; why: string }>[] = [
    fc
      .constantFrom(...CONTENT_TYPES)
      .map((type) => ({ headers: (type ? { "content-type": type } : {}) as Record<string, string>, body: valid(), why: `content type "${type}"` })),
    fc
      .string({ unit: "binary", minLength: 1, maxLength: 60 })
      .filter((s) => !parses(s) && s.trim() !== "")
      .map((s) => json(s, "malformed JSON")),
    fc
      .nat()
      .map((cut) => valid().slice(0, cut % Math.max(1, valid().length - 1) || 1))
      .filter((s) => !parses(s))
      .map((s) => json(s, "truncated JSON")),
    fc
      .integer({ min: MAX_JSON_DEPTH + 1, max: 5_000 })
      .map((depth) => json(route.raw ? deep(depth) : `{"${Object.keys(route.valid())[0] ?? "x"}":${deep(depth)}}`, `nested ${depth} deep`)),
    fc.constantFrom('{"__proto__":{"x":1}}', '{"a":{"__proto__":[]}}', '[{"constructor":{"prototype":{}}}]').map((proto) => {
      const body = route.valid();
      const text = route.raw ? proto : JSON.stringify(body).replace(/^\{/, `{"zz":${proto},`).replace(",}", "}");
      return json(text, "a prototype key");
    }),
    oversized.map((s) => json(JSON.stringify(route.raw ? s : { ...route.valid(), [Object.keys(route.badFields)[0] ?? "pad"]: s }), "an oversized value")),
  ];
  if (!route.raw) {
    options.push(
      fc.oneof(fc.constant("[]"), fc.constant("null"), fc.constant('"text"'), fc.constant("42")).map((text) => json(text, "not an object")),
      fc
        .string({ minLength: 1, maxLength: 20 })
        .filter((key) => !(key in route.valid()) && !(key in route.badFields))
        .map((key) => json(JSON.stringify({ ...route.valid(), [key]: 1 }), `unknown field "${key}"`)),
    );
    for (const [field, bad] of Object.entries(route.badFields)) {
      options.push(bad.map((value) => json(JSON.stringify({ ...route.valid(), [field]: value }), `bad ${field}`)));
    }
    for (const field of route.required) {
      options.push(fc.constant(json(JSON.stringify(Object.fromEntries(Object.entries(route.valid()).filter(([key]) => key !== field))), `no ${field}`)));
    }
    if (route.required.length) options.push(fc.constantFrom("", "  \n").map((text) => json(text, "an empty body")));
  } else {
    options.push(fc.constantFrom("", "  \n").map((text) => json(text, "an empty body")));
  }
  return fc.oneof(...options);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A 4xx in the one error shape: `{ error: { code, message, issues? } }`. */
function expectRefusal(response: RawResponse, what: string): void {
  expect(response.status, `${what}: ${response.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(response.status, `${what}: ${response.text.slice(0, 300)}`).toBeLessThan(500);
  const { error } = response.json();
  expect(typeof error.code, what).toBe("string");
  expect(typeof error.message, what).toBe("string");
  if (error.issues !== undefined) for (const issue of error.issues) expect(issue, what).toEqual({ path: expect.any(String), message: expect.any(String) });
}

const send = (method: string, path: string, headers: Record<string, string>, body?: string, key = true) =>
  rawRequest(stack.server.url + path, { method, body, headers: { ...(key ? { authorization: `Bearer ${stack.apiKey}` } : {}), ...headers } });

const state = () => redisState(stack.engine.resources.redis, stack.prefix);

/** The keys whose value differs between two states (empty when nothing was written). */
async function changedSince(before: Record<string, string>): Promise<string[]> {
  const after = await state();
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => before[key] !== after[key]);
}
/** Generated requests per property; HELMR_FUZZ_RUNS raises it for a longer search. */
const RUNS = Number(process.env.HELMR_FUZZ_RUNS ?? 40);

describe("fuzzed bad requests get a 4xx in the one error shape and change nothing", () => {
  for (const [name, route] of Object.entries(routes)) {
    it(`POST ${name}: broken bodies`, async () => {
      const before = await state();
      await fc.assert(
        fc.asyncProperty(badBody(route), async ({ headers, body, why }) => {
          const response = await send("POST", route.path(), headers, body, !route.raw);
          expectRefusal(response, `${name} with ${why}`);
          expect(await changedSince(before), `${name} with ${why}`).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    });
  }

  /** Path parameters: unknown, malformed, oversized, badly percent-encoded. */
  const badSegment = fc.oneof(
    oddText.filter((s) => s !== "").map(encodeURIComponent),
    fc.constantFrom("%", "%zz", "%E0%A4%A", "ses_0000000000000000", "run_0000000000000000_0000000000000000", "tok_0000000000000000_0000000000000000"),
    fc.integer({ min: 200, max: 2_000 }).map((n) => "i".repeat(n)),
  );
  /** A segment in a name's place (a task id, a stream) must break core's Name rules; in an id's place, any unknown id is bad. */
  const badNameSegment = badSegment.filter((segment) => !Name.safeParse(safeDecode(segment)).success);
  const pathRoutes: [string, (segment: string) => string, "id" | "name", boolean][] = [
    ["POST", (s) => `/api/v1/tasks/${s}/trigger`, "name", true],
    ["GET", (s) => `/api/v1/runs/${s}`, "id", true],
    ["GET", (s) => `/api/v1/runs/${s}/events`, "id", true],
    ["POST", (s) => `/api/v1/runs/${s}/cancel`, "id", true],
    ["POST", (s) => `/api/v1/runs/${s}/retry`, "id", true],
    ["POST", (s) => `/api/v1/runs/${s}/replay`, "id", true],
    ["GET", (s) => `/api/v1/bulk-actions/${s}`, "id", true],
    ["GET", (s) => `/api/v1/webhooks/${s}`, "id", true],
    ["DELETE", (s) => `/api/v1/webhooks/${s}`, "id", true],
    ["POST", (s) => `/api/v1/webhooks/${s}/enable`, "id", true],
    ["GET", (s) => `/api/v1/sessions/${s}`, "id", true],
    ["POST", (s) => `/api/v1/sessions/${s}/close`, "id", true],
    ["POST", (s) => `/api/v1/sessions/${s}/input/approval`, "id", true],
    ["POST", (s) => `/api/v1/sessions/${ids.session}/input/${s}`, "name", true],
    ["GET", (s) => `/api/v1/sessions/${s}/input/approval`, "id", true],
    ["GET", (s) => `/api/v1/sessions/${ids.session}/input/${s}`, "name", true],
    ["GET", (s) => `/api/v1/sessions/${s}/output/events`, "id", true],
    ["GET", (s) => `/api/v1/sessions/${ids.session}/output/${s}`, "name", true],
    ["GET", (s) => `/api/v1/tokens/${s}`, "id", true],
    ["POST", (s) => `/api/v1/tokens/${s}/complete`, "id", true],
    ["DELETE", (s) => `/api/v1/auth/public-tokens/${s}`, "id", true],
    ["GET", (s) => `/api/v1/schedules/${s}`, "id", true],
    ["POST", (s) => `/api/v1/schedules/${s}/pause`, "id", true],
    ["POST", (s) => `/api/v1/schedules/${s}/resume`, "id", true],
    ["DELETE", (s) => `/api/v1/schedules/${s}`, "id", true],
    ["POST", (s) => `/api/v1/tokens/${s}/callback/${ids.callbackSecret}`, "id", false],
    ["POST", (s) => `/api/v1/tokens/${ids.token}/callback/${s}`, "id", false],
  ];
  const pathCase = fc.constantFrom(...pathRoutes).chain((route) => fc.tuple(fc.constant(route), route[2] === "name" ? badNameSegment : badSegment));

  it("bad path parameters on every route that takes one", async () => {
    const before = await state();
    await fc.assert(
      fc.asyncProperty(pathCase, async ([[method, path, , withKey], segment]) => {
        // Valid bodies, so only the path is wrong.
        const body =
          method === "POST"
            ? JSON.stringify(path(segment).includes("/input/") ? { data: 1 } : path(segment).includes("/complete") ? { data: 1 } : {})
            : undefined;
        const response = await send(method, path(segment), body ? { "content-type": "application/json" } : {}, body, withKey);
        expectRefusal(response, `${method} ${path(segment).slice(0, 120)}`);
        expect(await changedSince(before)).toEqual([]);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  /** Query strings: every known parameter with bad values, plus unknown ones. */
  const badCursor = fc.oneof(
    oddText,
    fc.constantFrom("0-0", "18446744073709551616-0", "99999999999999999999-0", "1-x", "-1", "1e999", "18446744073709551615-18446744073709551615"),
  );
  const badLimit = fc.oneof(fc.constantFrom("0", "-1", "201", "1.5", "abc", "", "1e999", "9".repeat(40)), oddText);
  const queryRoutes: [string, Record<string, fc.Arbitrary<string>>][] = [
    ["/api/v1/runs", { status: oddText, session: oddText, task: badName, limit: badLimit, cursor: badCursor }],
    [
      "/api/v1/sessions",
      {
        tag: fc.integer({ min: 65, max: 200 }).map((n) => "t".repeat(n)),
        externalId: fc.integer({ min: 257, max: 400 }).map((n) => "e".repeat(n)),
        limit: badLimit,
        cursor: badCursor,
      },
    ],
    ["/api/v1/tokens", { status: oddText, tag: fc.integer({ min: 65, max: 200 }).map((n) => "t".repeat(n)), limit: badLimit, cursor: badCursor }],
    ["/api/v1/waits", { kind: oddText, session: fc.integer({ min: 65, max: 200 }).map((n) => "s".repeat(n)), limit: badLimit, cursor: badCursor }],
    ["/api/v1/runs/RUN/events", { limit: badLimit, cursor: badCursor }],
    ["/api/v1/schedules", { task: badName, externalId: fc.integer({ min: 257, max: 400 }).map((n) => "e".repeat(n)), limit: badLimit, cursor: badCursor }],
    ["/api/v1/sessions/SESSION/input/approval", { after: badCursor, limit: badLimit }],
    ["/api/v1/sessions/SESSION/output/events", { after: badCursor, limit: badLimit }],
  ];

  it("bad query parameters on every list", async () => {
    const before = await state();
    const query = fc.constantFrom(...queryRoutes).chain(([path, params]) =>
      fc.tuple(
        fc.constant(path),
        fc.constantFrom(...Object.keys(params)).chain((key) => params[key].map((value) => [key, value] as const)),
      ),
    );
    await fc.assert(
      fc.asyncProperty(query, async ([path, [key, value]]) => {
        const target = `${path.replace("RUN", ids.run).replace("SESSION", ids.session)}?${new URLSearchParams({ [key]: value })}`;
        const response = await send("GET", target, {});
        // A value that is odd but allowed (a status filter nobody matches) may list nothing: never a 5xx.
        expect(response.status, `${target}: ${response.text.slice(0, 200)}`).toBeLessThan(500);
        if (response.status >= 400) expectRefusal(response, target);
        expect(await changedSince(before)).toEqual([]);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it("odd query strings and methods on the unauthenticated pages", async () => {
    const before = await state();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/healthz", "/approve"), fc.constantFrom("GET", "POST", "DELETE", "PUT"), oddText, async (path, method, value) => {
        const response = await send(method, `${path}?${new URLSearchParams({ [value || "x"]: value })}`, {}, undefined, false);
        if (method === "GET") expect(response.status, path).toBe(200);
        else expectRefusal(response, `${method} ${path}`);
        expect(await changedSince(before)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("bad Last-Event-ID headers on an output event stream", async () => {
    const before = await state();
    const header = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 });
    const badId = fc.oneof(
      header.filter((s) => !/^\d{1,20}-\d{1,20}$/.test(s)),
      fc.constantFrom("18446744073709551616-0", "0-18446744073709551616", "18446744073709551615-18446744073709551615"),
    );
    await fc.assert(
      fc.asyncProperty(badId, async (lastEventId) => {
        const response = await send("GET", `/api/v1/sessions/${ids.session}/output/events`, { accept: "text/event-stream", "last-event-id": lastEventId });
        expectRefusal(response, `Last-Event-ID ${lastEventId}`);
        expect(await changedSince(before)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("requests without a valid key on every authenticated route", async () => {
    const before = await state();
    const paths = [
      ...Object.values(routes)
        .filter((r) => !r.raw)
        .map((r) => ["POST", r.path()] as const),
      ...queryRoutes.map(([p]) => ["GET", p.replace("RUN", ids.run).replace("SESSION", ids.session)] as const),
    ];
    const badAuth = fc.oneof(
      fc.constant({}),
      fc
        .constantFrom("Bearer", "Bearer ", "Basic abc", "Bearer sk_wrong_00000000000000", "Bearer pat_tok_x", "bearer  x y")
        .map((authorization) => ({ authorization })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), badAuth, async ([method, path], headers) => {
        const body = method === "POST" ? "{}" : undefined;
        const response = await send(method, path, { ...headers, ...(body ? { "content-type": "application/json" } : {}) }, body, false);
        expectRefusal(response, `${method} ${path} with ${JSON.stringify(headers)}`);
        expect(await changedSince(before)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});
