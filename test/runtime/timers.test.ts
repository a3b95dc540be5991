import { step, task, timers } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const statusOf = async (runId: string) => (await stack.client.runs.retrieve(runId)).status;

describe("timer waits", () => {
  it("parks on a timer, shows what it waits on, and resumes after it fires", async () => {
    stack = await startStack();
    const nap = task({
      id: "nap",
      run: async () => {
        const before = await step.run("before", () => Date.now());
        await timers.waitFor("400ms");
        return { slept: Date.now() - before };
      },
    });
    await stack.startWorker({ tasks: [nap] });
    const { runId } = await stack.client.tasks.trigger("nap");

    const parked = await eventually(async () => {
      const run = await stack.client.runs.retrieve(runId);
      return run.status === "waiting" && run;
    });
    expect(parked.waitingOn).toMatchObject({ kind: "timer", position: 1 });
    const parkedEvent = (await stack.client.runs.events(runId)).data.at(-1);
    expect(parkedEvent).toMatchObject({ type: "parked", detail: { kind: "timer", position: 1 } });
    const run = await runReaches(stack.client, runId, "completed");
    expect((run.output as { slept: number }).slept).toBeGreaterThanOrEqual(400);
    const events = (await stack.client.runs.events(runId)).data;
    expect(events.map((e) => e.type)).toEqual(["triggered", "started", "parked", "resumed", "completed"]);
    // The wait stays on its parked event once it has ended.
    expect(events[2].detail).toEqual(parkedEvent!.detail);
    // Times are stored relative to the run's creation and read back as absolute ones.
    const times = events.map((e) => Date.parse(e.at));
    expect(times[0]).toBe(Date.parse(run.createdAt));
    expect(times[3] - times[2]).toBeGreaterThanOrEqual(400);
    expect(times.at(-1)).toBe(Date.parse(run.finishedAt!));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it("gives the concurrency slot back while parked: a worker with concurrency 1 runs other runs", async () => {
    stack = await startStack();
    const sleeper = task({ id: "sleeper", run: async () => (await timers.waitFor("1h"), "woke") });
    const quick = task({ id: "quick", run: async () => "done" });
    await stack.startWorker({ tasks: [sleeper, quick], concurrency: 1 });

    const sleeping = await stack.client.tasks.trigger("sleeper");
    await eventually(async () => (await statusOf(sleeping.runId)) === "waiting");
    const quickRuns = await Promise.all([1, 2, 3].map(() => stack.client.tasks.trigger("quick")));
    for (const { runId } of quickRuns) await eventually(async () => (await statusOf(runId)) === "completed");
    expect(await statusOf(sleeping.runId)).toBe("waiting");
  });

  it("keeps the due time fixed when the run is replayed after a worker restart", async () => {
    stack = await startStack();
    const makeTask = () => task({ id: "fixed-due", run: async () => (await timers.waitFor("1500ms"), Date.now()) });
    const first = await stack.startWorker({ tasks: [makeTask()] });
    const { runId } = await stack.client.tasks.trigger("fixed-due");
    const parked = await eventually(async () => {
      const run = await stack.client.runs.retrieve(runId);
      return run.status === "waiting" && run;
    });
    await first.close();
    stack.workers.splice(stack.workers.indexOf(first), 1);

    await stack.startWorker({ tasks: [makeTask()] });
    const done = await runReaches(stack.client, runId, "completed");
    const dueAt = Date.parse(parked.waitingOn!.deadline!);
    expect(done.output as number).toBeGreaterThanOrEqual(dueAt);
    const resumed = (await stack.client.runs.events(runId)).data.find((e) => e.type === "resumed")!;
    expect(Date.parse(resumed.at)).toBeGreaterThanOrEqual(dueAt);
  });

  it("returns at once for a date in the past, without parking", async () => {
    stack = await startStack();
    const past = task({ id: "past", run: async () => (await timers.waitUntil(new Date(Date.now() - 60_000)), await timers.waitFor(0), "ok") });
    await stack.startWorker({ tasks: [past] });
    const { runId } = await stack.client.tasks.trigger("past");
    await eventually(async () => (await statusOf(runId)) === "completed");
    const types = (await stack.client.runs.events(runId)).data.map((e) => e.type);
    expect(types).not.toContain("parked");
  });

  it("refuses a second blocking wait while one is pending, failing the run with a clear error", async () => {
    stack = await startStack();
    const both = task({
      id: "both",
      retry: { maxAttempts: 3 },
      run: async () => {
        await Promise.all([timers.waitFor("1s"), timers.waitFor("2s")]);
        return "unreachable";
      },
    });
    await stack.startWorker({ tasks: [both] });
    const { runId } = await stack.client.tasks.trigger("both");
    const run = await eventually(async () => {
      const r = await stack.client.runs.retrieve(runId);
      return r.status === "failed" && r;
    });
    expect(run.error?.name).toBe("ConcurrentWaitError");
    expect(run.error?.message).toMatch(/Only one blocking wait/);
    expect(run.attempt).toBe(1);
  });
});
