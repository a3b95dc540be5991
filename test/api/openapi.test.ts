import { buildApp } from "@helmr/api";
import { Validator } from "@seriousme/openapi-schema-validator";
import { step, streams, task, tokens } from "@helmr/sdk";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, testLogger, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
let document: OpenApi;
beforeAll(async () => {
  stack = await startStack();
  const response = await fetch(`${stack.server.url}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenApi;
});
afterAll(() => stack?.close());

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { security: Record<string, string[]>[]; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: { schemas: Record<string, unknown> };
}

const reply = streams.input<{ text: string }>("openapi-reply");
const heard = streams.output<string>("openapi-out");
const talker = task({
  id: "openapi-talker",
  run: async () => {
    const said = await reply.wait().unwrap();
    await heard.append(`heard ${said.text}`);
    const approval = await tokens.create({ timeout: "1h" });
    const decision = await approval.wait().unwrap();
    return step.run("finish", async () => ({ said, decision }));
  },
});

/** The document's path for a concrete one: `/api/v1/runs/run_1` → `/api/v1/runs/{id}`. */
function templateOf(path: string): string | undefined {
  const bare = path.split("?")[0];
  return Object.keys(document.paths).find((template) => new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`).test(bare));
}

/** GET /api/v1/openapi.json, generated from the routes' own zod schemas. */
describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    expect(document.openapi).toBe("3.1.0");
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("has every route the app's routers serve, and each route's credentials", () => {
    const app = buildApp({ engine: stack.engine, logger: testLogger(), apiKeys: ["k"], maxPayloadBytes: 1024 });
    const served = new Set<string>();
    for (const middleware of app.middleware as Array<{ router?: { stack: Array<{ path: string; methods: string[] }> } }>) {
      for (const layer of middleware.router?.stack ?? []) {
        for (const method of layer.methods.filter((m) => m !== "HEAD")) served.add(`${method.toLowerCase()} ${layer.path.replace(/:(\w+)/g, "{$1}")}`);
      }
    }
    const documented = new Set(Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`)));
    expect(served.size).toBeGreaterThan(20);
    expect([...served].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !served.has(route))).toEqual([]);
    // Credentials: the default is a secret key; the browser routes also take a public token; the open ones none.
    const security = (method: string, path: string) => document.paths[path][method].security.map((s) => Object.keys(s)[0]);
    expect(security("get", "/api/v1/tokens")).toEqual(["secretKey"]);
    expect(security("get", "/api/v1/runs")).toEqual(["secretKey", "publicAccessToken"]);
    expect(security("delete", "/api/v1/auth/public-tokens/{id}")).toEqual(["secretKey"]);
    expect(security("post", "/api/v1/sessions/{id}/input/{stream}")).toEqual(["secretKey", "publicAccessToken"]);
    expect(security("post", "/api/v1/tokens/{id}/complete")).toEqual(["secretKey", "publicAccessToken"]);
    expect(security("get", "/metrics")).toEqual(["secretKey", "metricsToken"]);
    expect(security("get", "/healthz")).toEqual([]);
    expect(security("post", "/api/v1/tokens/{id}/callback/{secret}")).toEqual([]);
  });

  it("gives a schema that each real response body fits, for its route and status", async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: "openapi.json", components: document.components });
    const checked: string[] = [];
    const check = async (method: string, path: string, options: Parameters<TestStack["http"]>[2] = {}) => {
      const response = await stack.http(method, path, options);
      const template = templateOf(path);
      expect(template, `${method} ${path} is documented`).toBeDefined();
      const operation = document.paths[template!][method.toLowerCase()];
      expect(operation, `${method} ${template}`).toBeDefined();
      const documented = operation.responses[String(response.status)];
      expect(documented, `${method} ${template} documents status ${response.status}`).toBeDefined();
      if (response.body !== undefined) {
        const schema = documented.content?.["application/json"]?.schema;
        expect(schema, `${method} ${template} ${response.status} has a JSON schema`).toBeDefined();
        const validate = ajv.compile({
          $ref: `openapi.json#/components/schemas/${String((schema as { $ref: string }).$ref)
            .split("/")
            .pop()}`,
        });
        const fits = validate(response.body);
        expect(validate.errors ?? [], `${method} ${path} ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`).toEqual([]);
        expect(fits).toBe(true);
      }
      checked.push(`${method} ${template} ${response.status}`);
      return response;
    };

    await stack.startWorker({ tasks: [talker] });
    await check("GET", "/healthz", { key: null });
    const session = (await check("POST", "/api/v1/sessions", { body: { externalId: "openapi-customer", tags: ["vip"] } })).body;
    await check("POST", "/api/v1/sessions", { body: { externalId: "openapi-customer" } });
    await check("GET", "/api/v1/sessions?tag=vip");
    const triggered = (
      await check("POST", "/api/v1/tasks/openapi-talker/trigger", { body: { payload: { n: 1 }, sessionId: session.id, idempotencyKey: "once" } })
    ).body;
    await check("POST", "/api/v1/tasks/openapi-talker/trigger", { body: { payload: { n: 1 }, sessionId: session.id, idempotencyKey: "once" } });
    await runReaches(stack.client, triggered.runId, "waiting");
    await check("GET", `/api/v1/runs/${triggered.runId}`);
    await check("GET", "/api/v1/waits");
    await check("POST", `/api/v1/sessions/${session.id}/input/openapi-reply`, { body: { data: { text: "hello" } } });
    await check("POST", `/api/v1/sessions/${session.id}/input/openapi-reply`, { body: { data: { text: "buffered" }, correlationId: "later" } });
    const run = await eventually(async () => {
      const current = (await check("GET", `/api/v1/runs/${triggered.runId}`)).body;
      return current.waitingOn?.kind === "token" ? current : undefined;
    });
    await check("GET", "/api/v1/waits?kind=token");
    await check("GET", `/api/v1/sessions/${session.id}`);
    await check("GET", `/api/v1/sessions/${session.id}/input/openapi-reply`);
    await check("GET", `/api/v1/sessions/${session.id}/output/openapi-out`);
    await check("GET", `/api/v1/runs?session=${session.id}&status=waiting`);
    await check("GET", `/api/v1/runs/${triggered.runId}/events`);
    const journal = (await check("GET", `/api/v1/runs/${triggered.runId}/journal`)).body;
    expect(journal.data.map((operation: { kind: string }) => operation.kind)).toEqual(["input", "output", "token", "tokenWait"]);
    expect(journal.data[0].result).toEqual({ ok: true, output: { text: "hello" }, entry: expect.any(String) });
    await check("GET", `/api/v1/tokens/${run.waitingOn.tokenId}`);
    await check("GET", "/api/v1/tokens?status=waiting");
    await check("POST", `/api/v1/tokens/${run.waitingOn.tokenId}/complete`, { body: { data: { approved: true } } });
    await check("POST", `/api/v1/tokens/${run.waitingOn.tokenId}/complete`, { body: { data: { approved: false } } });
    await runReaches(stack.client, triggered.runId, "completed");
    await check("GET", `/api/v1/runs/${triggered.runId}`);
    await check("POST", `/api/v1/runs/${triggered.runId}/cancel`);
    await check("POST", "/api/v1/tasks/openapi-talker/batch-trigger", { body: { items: [{ payload: { n: 2 }, idempotencyKey: "batch-1" }] } });
    await check("POST", "/api/v1/tasks/openapi-talker/batch-trigger", { body: { items: [{ payload: { n: 2 }, idempotencyKey: "batch-1" }] } });
    await check("POST", "/api/v1/tasks/openapi-talker/batch-trigger", { body: { items: [{ sessionId: "ses_0000000000000000" }] } });

    const created = (await check("POST", "/api/v1/tokens", { body: { timeout: "10m", tags: ["openapi"] } })).body;
    await check("POST", `${new URL(created.callbackUrl).pathname}?outcome=failed`, { key: null, body: { error: { message: "declined", code: "no" } } });
    const other = (await check("POST", "/api/v1/tokens", { body: { timeout: "10m" } })).body;
    await check("POST", `/api/v1/tokens/${other.id}/fail`, { key: other.publicAccessToken, body: { error: { message: "nope" } } });
    await check("POST", "/api/v1/auth/public-tokens", {
      body: { scope: { type: "session.input.send", session: session.id, stream: "openapi-reply" }, maxUses: 1 },
    });
    await check("POST", `/api/v1/sessions/${session.id}/close`);
    await check("DELETE", `/api/v1/sessions/${session.id}`);

    // Errors fit the one error shape, each under a status the route documents.
    await check("GET", "/api/v1/runs", { key: "wrong" });
    await check("GET", "/api/v1/runs/run_missing");
    await check("GET", "/api/v1/runs?limit=0");
    await check("POST", "/api/v1/tokens", { rawBody: "{not json" });
    await check("POST", "/api/v1/tasks/openapi-talker/trigger", { rawBody: "a=b", headers: { "content-type": "application/x-www-form-urlencoded" } });
    await check("POST", `/api/v1/sessions/${session.id}/input/openapi-reply`, { body: { data: 1 } });

    expect(checked.length).toBeGreaterThan(30);
    const statuses = new Set(checked.map((entry) => entry.split(" ").pop()));
    for (const status of ["200", "201", "202", "204", "400", "401", "404", "409", "415", "422"]) expect(statuses).toContain(status);
  });
});
