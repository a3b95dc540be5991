import { step, streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const message = streams.input<string>("message");
const seen: string[] = [];

/** Answers `perRun` messages, then goes on as a new run; ends once `total` messages are answered. */
const chat = task({
  id: "continuing-chat",
  run: async (payload: { answered: number; total: number; perRun: number }, ctx) => {
    let answered = payload.answered;
    for (let i = 0; i < payload.perRun && answered < payload.total; i++) {
      const text = await message.wait().unwrap();
      await step.run("answer", () => void seen.push(text));
      answered++;
    }
    if (answered < payload.total) return ctx.continueAsNew({ ...payload, answered });
    return { answered, lastRun: ctx.run.id };
  },
});

describe("ctx.continueAsNew", () => {
  it("ends the run as continued and starts the next one in the same session, linked both ways, and input sent meanwhile goes to the new run once each", async () => {
    stack = await startStack();
    seen.length = 0;
    await stack.startWorker({ tasks: [chat] });
    const total = 12;
    const { runId: first, sessionId } = await stack.client.tasks.trigger("continuing-chat", { answered: 0, total, perRun: 3 });
    await runReaches(stack.client, first, "waiting");
    // Sent in a burst: most arrive while a run is between its last wait and the next run's first.
    const sent = Array.from({ length: total }, (_, i) => `m${i}`);
    const input = stack.client.sessions.open(sessionId).input("message");
    await Promise.all(sent.map((text) => input.send(text)));

    // Follow the line of runs to its end.
    const line = [await stack.client.runs.retrieve(first)];
    const last = await eventually(async () => {
      for (;;) {
        const run = await stack.client.runs.retrieve(line.at(-1)!.id);
        line[line.length - 1] = run;
        if (run.status !== "continued") return run.status === "completed" && run;
        line.push(await stack.client.runs.retrieve(run.continuedAs!));
      }
    });
    expect(line).toHaveLength(total / 3);
    expect(last.output).toEqual({ answered: total, lastRun: last.id });
    line.forEach((run, i) => {
      expect(run).toMatchObject({
        sessionId,
        taskId: "continuing-chat",
        continuedFrom: i === 0 ? null : line[i - 1].id,
        continuedAs: i === line.length - 1 ? null : line[i + 1].id,
      });
      if (i < line.length - 1) expect(run.status).toBe("continued");
    });
    expect(line[1].payload).toEqual({ answered: 3, total, perRun: 3 });

    // Every input answered once, in order, each consumed by one run of the line.
    expect(seen).toEqual(sent);
    const history = (await input.list({ limit: 100 })).data;
    expect(history.map((entry) => entry.status)).toEqual(Array(total).fill("consumed"));
    expect(new Set(history.map((entry) => entry.consumedBy!.runId))).toEqual(new Set(line.map((run) => run.id)));

    // The events say so too, and the lists filter on the new status.
    const firstEvents = (await stack.client.runs.events(first)).data;
    expect(firstEvents.at(-1)).toMatchObject({ type: "continued", detail: { runId: line[1].id } });
    expect((await stack.client.runs.events(line[1].id)).data[0]).toMatchObject({ type: "triggered", detail: { continuedFrom: first } });
    const continued = await stack.client.runs.list({ session: sessionId, status: "continued" });
    expect(continued.data.map((run) => run.id).sort()).toEqual(
      line
        .slice(0, -1)
        .map((run) => run.id)
        .sort(),
    );
    // The session lists every run of the line.
    expect((await stack.client.sessions.retrieve(sessionId)).runs.map((run) => run.id).sort()).toEqual(line.map((run) => run.id).sort());
  });

  it("fails the run, continuing nothing, when the payload cannot be stored", async () => {
    stack = await startStack();
    await stack.startWorker({
      tasks: [task({ id: "bad-continue", retry: { maxAttempts: 1 }, run: async (_p, ctx) => ctx.continueAsNew({ big: 10n }) })],
    });
    const { runId, sessionId } = await stack.client.tasks.trigger("bad-continue");
    const run = await runReaches(stack.client, runId, "failed");
    expect(run.error?.message).toMatch(/continueAsNew\(\): the payload is not JSON-serializable/);
    expect(run.continuedAs).toBeNull();
    expect((await stack.client.sessions.retrieve(sessionId)).runs).toHaveLength(1);
  });
});
