import { request } from "node:http";
import { streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const flood = streams.output<string>("limits-flood");
/** Appends `count` entries of `size` characters each. */
const flooder = task({
  id: "limits-flooder",
  run: async ({ count, size }: { count: number; size: number }) => {
    for (let i = 0; i < count; i++) await flood.append(`${i}:${"x".repeat(size)}`);
  },
});

const nudge = streams.input("limits-nudge");
/** Parks until nudged: a run whose event stream stays open. */
const parked = task({ id: "limits-parked", run: async () => nudge.wait().unwrap() });

/** The API's open event streams, from its metrics. */
async function streamsOpen(stack: TestStack): Promise<number> {
  const text = await (await fetch(`${stack.server.url}/metrics`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).text();
  return Number(/^helmr_api_event_streams (\S+)$/m.exec(text)?.[1]);
}

/** An event stream request whose body is not read until `read()`: a client that has stopped reading. */
function stalledStream(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; retryAfter?: string; read: () => Promise<string> }>((resolve, reject) => {
    const req = request(url, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      res.pause();
      resolve({
        status: res.statusCode!,
        retryAfter: res.headers["retry-after"] as string | undefined,
        read: () =>
          new Promise((done) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => done(text));
            res.resume();
          }),
      });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("event stream limits", () => {
  it("refuses streams over a credential's limit with 429 and Retry-After, and admits again once one closes", async () => {
    stack = await startStack({ eventStreamLimits: { perCredential: 2 } });
    const session = await stack.client.sessions.create();
    const { publicAccessToken } = await stack.client.auth.createPublicToken({ scope: { type: "session.read", session: session.id } });
    const url = `${stack.server.url}/api/v1/sessions/${session.id}/output/s`;
    const open = () =>
      fetch(url, { headers: { accept: "text/event-stream", authorization: `Bearer ${publicAccessToken}` }, signal: AbortSignal.timeout(10_000) });
    const first = await open();
    const second = await open();
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await open();
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBeTruthy();
    expect((await third.json()).error.code).toBe("too_many_streams");
    // Another token is counted apart, and a secret key (a backend) only against the process's limit.
    const other = await stack.client.auth.createPublicToken({ scope: { type: "session.read", session: session.id } });
    const byOther = await fetch(url, { headers: { accept: "text/event-stream", authorization: `Bearer ${other.publicAccessToken}` } });
    expect(byOther.status).toBe(200);
    await byOther.body!.cancel();
    const bySecret = await Promise.all([1, 2, 3].map(() => fetch(url, { headers: { accept: "text/event-stream", authorization: `Bearer ${stack.apiKey}` } })));
    expect(bySecret.map((response) => response.status)).toEqual([200, 200, 200]);
    for (const response of bySecret) await response.body!.cancel();
    await first.body!.cancel();
    await eventually(
      async () => {
        const again = await open();
        if (again.status === 200) return again.body!.cancel().then(() => true);
        return false;
      },
      { what: "a stream admitted once one closed" },
    );
    await second.body!.cancel();
  });

  it("drops a client that takes nothing for its stall time, saying why, after pausing it", async () => {
    stack = await startStack({ eventStreamLimits: { stallMs: 300 } });
    await stack.startWorker({ tasks: [flooder] });
    const session = await stack.client.sessions.create();
    const stalled = await stalledStream(`${stack.server.url}/api/v1/sessions/${session.id}/output/${flood.id}`, { authorization: `Bearer ${stack.apiKey}` });
    expect(stalled.status).toBe(200);
    // 400 entries of 32 KB: far more than the socket holds.
    const { runId } = await stack.client.tasks.trigger("limits-flooder", { count: 400, size: 32 * 1024 }, { sessionId: session.id });
    await runReaches(stack.client, runId, "completed");
    await eventually(async () => (await streamsOpen(stack)) === 0, { what: "the stalled stream dropped" });
    const text = await stalled.read();
    expect(text).toMatch(/event: dropped\ndata: \{"reason":"the client took nothing for 300 ms/);
    const received = (text.match(/^event: output$/gm) ?? []).length;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(400);
  });

  it("drops a client once more than its bound waits for it", async () => {
    stack = await startStack({ eventStreamLimits: { maxBufferedBytes: 256 * 1024 } });
    await stack.startWorker({ tasks: [flooder] });
    const session = await stack.client.sessions.create();
    const { runId } = await stack.client.tasks.trigger("limits-flooder", { count: 3, size: 300 * 1024 }, { sessionId: session.id });
    await runReaches(stack.client, runId, "completed");
    const stalled = await stalledStream(`${stack.server.url}/api/v1/sessions/${session.id}/output/${flood.id}`, { authorization: `Bearer ${stack.apiKey}` });
    await eventually(async () => (await streamsOpen(stack)) === 0, { what: "the stream dropped" });
    const text = await stalled.read();
    expect(text).toMatch(/event: dropped\ndata: \{"reason":"the client read too slowly \(over 262144 bytes waiting\)/);
    expect((text.match(/^event: output$/gm) ?? []).length).toBe(1);
  });

  it("follows nothing for a stream it refused, and stops looking at a run once its last stream closes", async () => {
    stack = await startStack({ eventStreamLimits: { perCredential: 1 } });
    await stack.startWorker({ tasks: [parked] });
    const { runId } = await stack.client.tasks.trigger("limits-parked", {});
    await runReaches(stack.client, runId, "waiting");
    const { publicAccessToken } = await stack.client.auth.createPublicToken({ scope: { type: "run.read", run: runId } });
    const url = `${stack.server.url}/api/v1/runs/${runId}?access_token=${encodeURIComponent(publicAccessToken)}`;
    const open = () => fetch(url, { headers: { accept: "text/event-stream" }, signal: AbortSignal.timeout(10_000) });
    const looks = async () => {
      const text = await (await fetch(`${stack.server.url}/metrics`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).text();
      return Number(/^helmr_api_event_stream_feeds\{kind="look"\} (\S+)$/m.exec(text)?.[1]);
    };
    const first = await open();
    expect(first.status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await open()).status).toBe(429);
    expect(await looks()).toBe(1);
    await first.body!.cancel();
    await eventually(async () => (await looks()) === 0, { what: "no run looked at once its one stream closed" });
  });

  it("ends a stream with no event for its idle time, saying so", async () => {
    stack = await startStack({ eventStreamLimits: { idleMs: 300 } });
    const session = await stack.client.sessions.create();
    const response = await fetch(`${stack.server.url}/api/v1/sessions/${session.id}/output/s`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${stack.apiKey}` },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    expect(text).toMatch(/event: idle\ndata: \{"reason":"no event for 300 ms/);
  });
});
