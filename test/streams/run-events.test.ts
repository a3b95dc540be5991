import { streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const go = streams.input<string>("live-go");
const waiter = task({ id: "live-waiter", run: async () => go.wait().unwrap() });

interface Received {
  id: string;
  event: string;
  data: { event?: { type: string }; run?: { status: string }; id?: string; status?: string };
}

/** Follows an event stream: `until` reads on until a condition holds or the stream ends (a deadline fails the test rather than hang it). */
async function follow(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  let text = "";
  const events = () => [...text.matchAll(/^id: (.*)\nevent: (.*)\ndata: (.*)$/gm)].map((m) => ({ id: m[1], event: m[2], data: JSON.parse(m[3]) }) as Received);
  return {
    async until(enough: (events: Received[]) => boolean): Promise<{ events: Received[]; ended: boolean }> {
      while (!enough(events())) {
        const { value, done } = await reader.read();
        if (done) return { events: events(), ended: true };
        text += new TextDecoder().decode(value);
      }
      return { events: events(), ended: false };
    },
    close: () => reader.cancel(),
  };
}

/** Reads an event stream until `enough` holds or it ends, then lets it go. */
async function readEvents(url: string, headers: Record<string, string>, enough: (events: Received[]) => boolean) {
  const stream = await follow(url, headers);
  const read = await stream.until(enough);
  if (!read.ended) await stream.close();
  return read;
}

describe("live run status", () => {
  it("follows a run's events with its state, to its end, and resumes after Last-Event-ID (a read token, ?access_token=)", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [waiter] });
    const { runId, sessionId } = await stack.client.tasks.trigger("live-waiter", {});
    await runReaches(stack.client, runId, "waiting");
    const { publicAccessToken } = await stack.client.auth.createPublicToken({ scope: { type: "run.read", run: runId } });
    const url = `${stack.server.url}/api/v1/runs/${runId}?access_token=${encodeURIComponent(publicAccessToken)}`;

    const parked = await readEvents(url, {}, (events) => events.some((e) => e.data.run?.status === "waiting"));
    expect(parked.events[0]).toMatchObject({ id: "0", event: "run", data: { event: { type: "triggered" } } });
    expect(parked.events.at(-1)!.data.run).toMatchObject({ status: "waiting" });

    // Live: the stream is open when the input comes (its first event read), and ends after the run's last event.
    const following = await follow(url, { "last-event-id": String(Number(parked.events.at(-1)!.id) - 1) });
    await following.until((events) => events.length > 0);
    await stack.client.sessions.open(sessionId).input(go.id).send("now");
    const { events: live, ended } = await following.until(() => false);
    const events = live.slice(1);
    expect(ended).toBe(true);
    expect(Number(events[0].id)).toBe(Number(parked.events.at(-1)!.id) + 1);
    expect(events.at(-1)!.data).toMatchObject({ event: { type: "completed" }, run: { status: "completed" } });

    // From the start again: every event once, ids 0, 1, 2...
    const all = await readEvents(url, {}, () => false);
    expect(all.events.map((e) => e.id)).toEqual(all.events.map((_, i) => String(i)));
    expect(all.events.map((e) => e.data.event!.type)).toEqual([...parked.events, ...events].map((e) => e.data.event!.type));
  });

  it("follows a session's runs: each one's state, then each change", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [waiter] });
    const { runId, sessionId } = await stack.client.tasks.trigger("live-waiter", {});
    await runReaches(stack.client, runId, "waiting");
    const { publicAccessToken } = await stack.client.auth.createPublicToken({ scope: { type: "session.read", session: sessionId } });
    const url = `${stack.server.url}/api/v1/runs?session=${sessionId}&access_token=${encodeURIComponent(publicAccessToken)}`;
    const stream = await follow(url);
    const first = await stream.until((events) => events.length > 0);
    expect(first.events[0].data).toMatchObject({ id: runId, status: "waiting" });
    await stack.client.sessions.open(sessionId).input(go.id).send("now");
    await stream.until((events) => events.some((e) => e.data.id === runId && e.data.status === "completed"));
    // A run started in the session meanwhile shows too.
    const another = await stack.client.tasks.trigger("live-waiter", {}, { sessionId });
    const { events } = await stream.until((events) => events.some((e) => e.data.id === another.runId && e.data.status === "waiting"));
    await stream.close();
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => String(i)));
  });

  it("refuses a bad Last-Event-ID, a live list without a session, and another session's runs", async () => {
    stack = await startStack();
    const session = await stack.client.sessions.create();
    const other = await stack.client.sessions.create();
    const live = { accept: "text/event-stream" };
    expect((await stack.http("GET", "/api/v1/runs", { headers: live })).status).toBe(422);
    const { publicAccessToken } = await stack.client.auth.createPublicToken({ scope: { type: "session.read", session: session.id } });
    expect((await stack.http("GET", `/api/v1/runs?session=${other.id}`, { key: publicAccessToken, headers: live })).status).toBe(403);
    await stack.engine.tasks.register(["live-waiter"]);
    const { runId } = await stack.client.tasks.trigger("live-waiter", {}, { sessionId: session.id });
    expect((await stack.http("GET", `/api/v1/runs/${runId}`, { headers: { ...live, "last-event-id": "x" } })).status).toBe(422);
  });
});
