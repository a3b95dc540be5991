import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedRedis, type EmbeddedRedis } from "@helmr/embedded-redis";
import { streams, task } from "@helmr/sdk";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { onCluster } from "../harness/snapshots.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack | undefined;
let ownRedis: EmbeddedRedis | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  await ownRedis?.stop();
  ownRedis = undefined;
});

const said = streams.output<{ n: number; pad?: string }>("fanout-said");
/** Appends entries `from`..`from + count - 1`, each with `pad` characters besides. */
const speaker = task({
  id: "fanout-speaker",
  run: async ({ from, count, pad = 0 }: { from: number; count: number; pad?: number }) => {
    for (let n = from; n < from + count; n++) await said.append({ n, ...(pad ? { pad: "x".repeat(pad) } : {}) });
  },
});

interface Follower {
  /** The `n`s received, in order. */
  received: number[];
  ids: string[];
  /** Resolves once `n` arrived (or rejects when the stream ended first). */
  reaches(n: number): Promise<void>;
  close(): void;
}

/** Follows the session's "fanout-said" output as a client does, from `lastEventId` when given. */
async function follow(sessionId: string, options: { lastEventId?: string; stalled?: boolean } = {}): Promise<Follower & { resume(): void }> {
  const url = `${stack!.server.url}/api/v1/sessions/${sessionId}/output/${said.id}`;
  const headers: Record<string, string> = { accept: "text/event-stream", authorization: `Bearer ${stack!.apiKey}` };
  if (options.lastEventId) headers["last-event-id"] = options.lastEventId;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      const follower = { received: [] as number[], ids: [] as string[], ended: false };
      const waiting = new Set<() => void>();
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
        let end = text.indexOf("\n\n");
        while (end >= 0) {
          const frame = text.slice(0, end);
          text = text.slice(end + 2);
          const match = /^id: (.*)\nevent: output\ndata: (.*)$/m.exec(frame);
          if (match) {
            follower.ids.push(match[1]);
            follower.received.push((JSON.parse(match[2]) as { data: { n: number } }).data.n);
          }
          end = text.indexOf("\n\n");
        }
        for (const wake of waiting) wake();
      });
      res.on("close", () => {
        follower.ended = true;
        for (const wake of waiting) wake();
      });
      if (options.stalled) res.pause();
      resolve({
        ...follower,
        get received() {
          return follower.received;
        },
        get ids() {
          return follower.ids;
        },
        reaches: (n) =>
          new Promise<void>((done, fail) => {
            const check = () => {
              if (follower.received.includes(n)) done();
              else if (follower.ended) fail(new Error(`the stream ended before ${n}; got ${follower.received.length}`));
              else return;
              waiting.delete(check);
            };
            waiting.add(check);
            check();
          }),
        resume: () => res.resume(),
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

async function speak(sessionId: string, from: number, count: number, pad = 0): Promise<void> {
  const { runId } = await stack!.client.tasks.trigger("fanout-speaker", { from, count, pad }, { sessionId });
  await runReaches(stack!.client, runId, "completed");
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${stack!.server.url}/metrics`, { headers: { authorization: `Bearer ${stack!.apiKey}` } })).text();
  return Number(new RegExp(`^${name.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
}

describe("output fan-out", () => {
  it.skipIf(onCluster())("feeds 50 clients of one session over no Redis connection of their own, each every entry once, in order", async () => {
    ownRedis = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), "helmr-fanout-")), appendonly: false });
    stack = await startStack({ redisUrl: ownRedis.url });
    await stack.startWorker({ tasks: [speaker] });
    const session = await stack.client.sessions.create();
    const admin = new Redis(ownRedis.url);
    try {
      const clients = async () => Number(/connected_clients:(\d+)/.exec(await admin.info("clients"))![1]);
      // The first client makes the process subscribe (its one subscriber connection).
      const followers = [await follow(session.id)];
      await eventually(async () => (await metric('helmr_api_event_stream_feeds{kind="output"}')) === 1, { what: "the stream followed" });
      const before = await clients();
      for (let i = 1; i < 50; i++) followers.push(await follow(session.id));
      await eventually(async () => (await metric("helmr_api_event_streams")) === 50, { what: "50 streams open" });
      expect(await clients()).toBe(before);
      expect(await metric('helmr_api_event_stream_feeds{kind="output"}')).toBe(1);

      await speak(session.id, 0, 200);
      await Promise.all(followers.map((follower) => follower.reaches(199)));
      for (const follower of followers) expect(follower.received).toEqual(range(0, 200));
      expect(await clients()).toBe(before);

      for (const follower of followers) follower.close();
      await eventually(async () => (await metric('helmr_api_event_stream_feeds{kind="output"}')) === 0, { what: "the stream no longer followed" });
      expect(await metric("helmr_api_event_streams")).toBe(0);
    } finally {
      admin.disconnect();
    }
  });

  it("joins clients from any point while entries are appended: none misses or repeats one", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [speaker] });
    const session = await stack.client.sessions.create();
    await speak(session.id, 0, 100);
    const { data: firsts } = await stack.client.sessions.open(session.id).output(said.id).read({ limit: 100 });
    const ids = firsts.map((entry) => entry.id);

    const { runId } = await stack.client.tasks.trigger("fanout-speaker", { from: 100, count: 600 }, { sessionId: session.id });
    // Clients come while the run appends, each from an entry of the first hundred (or the start).
    const followers: { from: number; follower: Follower }[] = [];
    for (let i = 0; i < 30; i++) {
      const from = (i * 37) % 101; // 0..100: after entry from - 1, or from the start
      followers.push({ from, follower: await follow(session.id, from === 0 ? {} : { lastEventId: ids[from - 1] }) });
    }
    await runReaches(stack.client, runId, "completed");
    await Promise.all(followers.map(({ follower }) => follower.reaches(699)));
    for (const { from, follower } of followers) expect(follower.received).toEqual(range(from, 700 - from));
    for (const { follower } of followers) follower.close();
  });

  it("pauses a client that stops reading without holding back the others; it reads on from Redis when it drains", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [speaker] });
    const session = await stack.client.sessions.create();
    const stalled = await follow(session.id, { stalled: true });
    const readers = [await follow(session.id), await follow(session.id)];
    // 600 entries of 4 KB: far more than the stalled client's socket holds.
    await speak(session.id, 0, 600, 4096);
    await Promise.all(readers.map((reader) => reader.reaches(599)));
    for (const reader of readers) expect(reader.received).toEqual(range(0, 600));
    expect(stalled.received.length).toBe(0);

    stalled.resume();
    await stalled.reaches(599);
    expect(stalled.received).toEqual(range(0, 600));
    // Live again once it caught up.
    await speak(session.id, 600, 5);
    await Promise.all([stalled, ...readers].map((follower) => follower.reaches(604)));
    expect(stalled.received).toEqual(range(0, 605));
    for (const follower of [stalled, ...readers]) follower.close();
  });

  it.skipIf(onCluster())("loses no entry when the process's subscriber connection is cut", async () => {
    ownRedis = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), "helmr-fanout-")), appendonly: false });
    stack = await startStack({ redisUrl: ownRedis.url });
    await stack.startWorker({ tasks: [speaker] });
    const session = await stack.client.sessions.create();
    const follower = await follow(session.id);
    await speak(session.id, 0, 3);
    await follower.reaches(2);
    // This Redis serves this test alone: its one pubsub client is the API's subscriber connection.
    const admin = stack.engine.resources.redis;
    const subscribers = String(await admin.call("CLIENT", "LIST", "TYPE", "pubsub"))
      .split("\n")
      .filter(Boolean);
    expect(subscribers).toHaveLength(1);
    await admin.call("CLIENT", "KILL", "ID", /\bid=(\d+)/.exec(subscribers[0])![1]);
    await speak(session.id, 3, 3);
    await follower.reaches(5);
    expect(follower.received).toEqual(range(0, 6));
    follower.close();
  });
});
