import { streams, task, timers } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { REPLAY_ONLY, startStack, type TestStack } from "../harness/stack.ts";
import type { RunRecord } from "@helmr/core";

let stack: TestStack;
afterEach(() => stack?.close());

const runIn = (runId: string, status: RunRecord["status"]) => runReaches(stack.client, runId, status);

describe("peek, once and on", () => {
  it("peek shows buffered inputs oldest first without consuming them, and replays the same list", async () => {
    stack = await startStack();
    const notes = streams.input<string>("notes");
    let executions = 0;
    await stack.startWorker({
      ...REPLAY_ONLY,
      tasks: [
        task({
          id: "peeker",
          run: async () => {
            executions++;
            const seen = await notes.peek({ correlationId: "c" });
            await timers.waitFor("50ms");
            const taken = await notes.wait({ correlationId: "c" }).unwrap();
            return { seen, taken };
          },
        }),
      ],
    });
    const session = await stack.client.sessions.create();
    const input = stack.client.sessions.open(session.id).input("notes");
    await input.send("one", { correlationId: "c" });
    await input.send("two", { correlationId: "c" });
    const { runId } = await stack.client.tasks.trigger("peeker", null, { sessionId: session.id });
    const run = await runIn(runId, "completed");
    expect(run.output).toEqual({ seen: ["one", "two"], taken: "one" });
    expect(executions).toBe(2);
  });

  it("once takes the next input while the run stays active, and times out with { ok: false }", async () => {
    stack = await startStack();
    const chat = streams.input<string>("chat");
    await stack.startWorker({
      tasks: [
        task({
          id: "chatty",
          run: async () => {
            const first = await chat.once({ timeout: "10s" }).unwrap();
            const none = await chat.once({ timeout: "200ms", correlationId: "nobody" });
            return { first, timedOut: !none.ok && none.error.name };
          },
        }),
      ],
    });
    const { runId, sessionId } = await stack.client.tasks.trigger("chatty");
    await runIn(runId, "running");
    await stack.client.sessions.open(sessionId).input("chat").send("hi there");
    const run = await runIn(runId, "completed");
    expect(run.output).toEqual({ first: "hi there", timedOut: "WaitTimeoutError" });
    const events = (await stack.client.runs.events(runId)).data.map((e) => e.type);
    expect(events).not.toContain("parked");
  });

  it("on calls the handler for each input, and a replay hands it the same inputs again before continuing", async () => {
    stack = await startStack();
    const feed = streams.input<number>("feed");
    const calls: number[][] = [];
    let executions = 0;
    await stack.startWorker({
      ...REPLAY_ONLY,
      tasks: [
        task({
          id: "listener",
          run: async () => {
            const mine: number[] = [];
            calls.push(mine);
            executions++;
            const sub = feed.on((n) => void mine.push(n));
            await feed.once({ correlationId: "stop" }).unwrap();
            sub.off();
            await timers.waitFor("20ms");
            return mine;
          },
        }),
      ],
    });
    const { runId, sessionId } = await stack.client.tasks.trigger("listener");
    await runIn(runId, "running");
    const input = stack.client.sessions.open(sessionId).input("feed");
    for (const n of [1, 2, 3]) await input.send(n);
    await eventually(() => calls[0]?.length === 3);
    await input.send("now", { correlationId: "stop" });
    const run = await runIn(runId, "completed");
    expect(executions).toBe(2);
    expect(run.output).toEqual([1, 2, 3]);
    expect(calls).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });
});

describe("output streams", () => {
  it("appends durably, once per run even when the run replays, and reads after a cursor", async () => {
    stack = await startStack();
    const events = streams.output<{ type: string }>("events");
    await stack.startWorker({
      tasks: [
        task({
          id: "narrator",
          run: async () => {
            await events.append({ type: "started" });
            await timers.waitFor("50ms");
            await events.append({ type: "finished" });
            return "done";
          },
        }),
      ],
    });
    const { runId, sessionId } = await stack.client.tasks.trigger("narrator");
    await runIn(runId, "completed");
    const output = stack.client.sessions.open(sessionId).output("events");
    const all = await output.read();
    expect(all.data.map((e) => e.data)).toEqual([{ type: "started" }, { type: "finished" }]);
    expect(all.data.every((e) => e.runId === runId)).toBe(true);
    const after = await output.read({ after: all.data[0].id });
    expect(after.data.map((e) => e.data)).toEqual([{ type: "finished" }]);
  });

  it("streams entries live over SSE, and a reconnect with Last-Event-ID has no gap and no repeat", async () => {
    stack = await startStack();
    const ticks = streams.output<number>("ticks");
    const gate = streams.input<number>("gate");
    await stack.startWorker({
      tasks: [
        task({
          id: "ticker",
          run: async () => {
            for (let i = 1; i <= 6; i++) {
              await ticks.append(i);
              if (i === 3) await gate.wait();
            }
            return "ticked";
          },
        }),
      ],
    });
    const { runId, sessionId } = await stack.client.tasks.trigger("ticker");
    const session = stack.client.sessions.open(sessionId);

    const firstSeen: { id: string; data: number }[] = [];
    const controller = new AbortController();
    for await (const entry of session.output("ticks").subscribe({ signal: controller.signal })) {
      firstSeen.push({ id: entry.id, data: entry.data as number });
      if (firstSeen.length === 2) break; // the client goes away after two entries
    }
    expect(firstSeen.map((e) => e.data)).toEqual([1, 2]);

    // Raw SSE with Last-Event-ID: resumes after entry 2.
    await runIn(runId, "waiting");
    await session.input("gate").send(1);
    const response = await fetch(`${stack.server.url}/api/v1/sessions/${sessionId}/output/ticks`, {
      headers: { authorization: `Bearer ${stack.apiKey}`, accept: "text/event-stream", "last-event-id": firstSeen[1].id },
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body!.getReader();
    let text = "";
    while ((text.match(/^data: /gm) ?? []).length < 4) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const data = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]).data);
    const ids = [...text.matchAll(/^id: (.*)$/gm)].map((m) => m[1]);
    expect(data).toEqual([3, 4, 5, 6]);
    expect(ids.every((id) => id > firstSeen[1].id)).toBe(true);
    await runIn(runId, "completed");
  });
});
