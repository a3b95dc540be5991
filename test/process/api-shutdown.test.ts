import { request } from "node:http";
import { HelmrApiError, HelmrClient } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { spawnHelmr, type HelmrProcess } from "../harness/processes.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
const processes: HelmrProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await stack?.close();
});

describe("`helmr server` on SIGTERM", () => {
  it("finishes a request already in flight, refuses new connections, and exits 0", async () => {
    stack = await startStack();
    const apiKey = "sk_test_shutdown_0000000000";
    const server = spawnHelmr(["server", "--port", "0", "--json"], {
      HELMR_REDIS_URL: stack.redisUrl,
      HELMR_PREFIX: stack.prefix,
      HELMR_API_KEYS: apiKey,
      HELMR_SECRET: "s".repeat(40),
    });
    processes.push(server);
    const { apiUrl } = await server.json<{ apiUrl: string }>();

    // Start a request and send only half its body, so it is in flight when SIGTERM lands.
    // "Expect: 100-continue" makes the server say when it has the request's headers: before
    // that, a connection counts as idle and a stopping server may close it.
    const body = JSON.stringify({ externalId: "in-flight", tags: ["shutdown"] });
    const req = request(`${apiUrl}/sessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "content-length": Buffer.byteLength(body), expect: "100-continue" },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on("error", reject);
      req.on("response", (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, body: text }));
      });
    });
    const headersReceived = new Promise((resolve) => req.on("continue", resolve));
    req.flushHeaders();
    await headersReceived;
    req.write(body.slice(0, 10));
    server.child.kill("SIGTERM");
    // New connections are refused once the server stopped listening. Each probe opens a
    // connection of its own (no agent): a pooled keep-alive one would reach the server
    // while it drains and say nothing about new connections.
    const refusesNewConnections = () =>
      new Promise<boolean>((resolve) => {
        const probe = request(`${apiUrl}/sessions`, { agent: false }, (res) => (res.resume(), resolve(false)));
        probe.on("error", () => resolve(true));
        probe.end();
      });
    await eventually(refusesNewConnections, { what: "the stopping server to refuse new connections" });
    req.end(body.slice(10));
    const { status, body: text } = await answer;
    expect(status).toBe(201);
    expect(JSON.parse(text)).toMatchObject({ externalId: "in-flight" });
    expect(await server.exited).toBe(0);
    expect((await stack.client.sessions.list({ externalId: "in-flight" })).data).toHaveLength(1);
  });
});

describe("HelmrClient errors", () => {
  it("maps error bodies to HelmrApiError with status, code and issues", async () => {
    stack = await startStack();
    const error = await stack.client.tasks.trigger("nobody-hosts-this").catch((e) => e);
    expect(HelmrApiError.is(error)).toBe(true);
    expect(error).toMatchObject({ status: 404, code: "task_not_found" });
    const invalid = await stack.client.sessions.create({ tags: "x" as unknown as string[] }).catch((e) => e);
    expect(invalid).toMatchObject({ status: 422, code: "validation_failed", issues: [{ path: "/tags" }] });
    const unauthorized = await new HelmrClient({ baseUrl: stack.server.url, apiKey: "sk_wrong_000000000000" }).runs.list().catch((e) => e);
    expect(unauthorized).toMatchObject({ status: 401, code: "unauthorized" });
  });
});
