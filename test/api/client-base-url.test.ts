import { createServer, request, type Server } from "node:http";
import { HelmrClient } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
let gateway: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (gateway ? gateway.close(resolve) : resolve(undefined)));
  gateway = undefined;
  await stack?.close();
});

/**
 * A gateway that serves the API under /helmr, as a user's reverse proxy does: it forwards
 * /helmr/… to the API and answers 404 for any other path, noting each path it saw.
 */
async function startGateway(target: string): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  gateway = createServer((incoming, answer) => {
    seen.push(incoming.url!);
    if (!incoming.url!.startsWith("/helmr/")) return void answer.writeHead(404).end();
    const forwarded = request(target + incoming.url!.slice("/helmr".length), { method: incoming.method, headers: incoming.headers }, (upstream) => {
      answer.writeHead(upstream.statusCode!, upstream.headers);
      upstream.pipe(answer);
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => gateway!.listen(0, "127.0.0.1", resolve));
  const { port } = gateway.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, seen };
}

describe("HelmrClient baseUrl", () => {
  it("keeps a path in baseUrl: every request, the key with it, goes under that path", async () => {
    stack = await startStack();
    const { url, seen } = await startGateway(stack.server.url);
    for (const baseUrl of [`${url}/helmr`, `${url}/helmr/`]) {
      const client = new HelmrClient({ baseUrl, apiKey: stack.apiKey });
      const session = await client.sessions.create({ externalId: `gw-${baseUrl.length}` });
      expect((await client.sessions.retrieve(session.id)).id).toBe(session.id);
      expect((await client.sessions.list({ externalId: `gw-${baseUrl.length}` })).data.map((s) => s.id)).toEqual([session.id]);
    }
    expect(seen.length).toBe(6);
    for (const path of seen) expect(path).toMatch(/^\/helmr\/api\/v1\/sessions/);
    expect(seen.some((path) => path.includes("?externalId=gw-"))).toBe(true);
  });
});
