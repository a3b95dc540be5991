import { NonRetriableError, step, task, timers } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { FINISHED, runReaches } from "../harness/runs.ts";
import { REPLAY_ONLY, startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const finished = (runId: string) => runReaches(stack.client, runId, ...FINISHED);

describe("replay", () => {
  it("does not repeat a step.run side effect when the run resumes", async () => {
    stack = await startStack();
    const effects: string[] = [];
    let executions = 0;
    const charge = task({
      id: "charge",
      run: async () => {
        executions++;
        const receipt = await step.run("charge-card", () => {
          effects.push("charged");
          return { receipt: `r-${effects.length}` };
        });
        await timers.waitFor("200ms");
        await step.run("email", () => effects.push("emailed"));
        return receipt;
      },
    });
    await stack.startWorker({ ...REPLAY_ONLY, tasks: [charge] });
    const { runId } = await stack.client.tasks.trigger("charge");
    const run = await finished(runId);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ receipt: "r-1" });
    expect(executions).toBe(2);
    expect(effects).toEqual(["charged", "emailed"]);
  });

  it("fails the run with a non-determinism error naming both operations", async () => {
    stack = await startStack();
    let executions = 0;
    const drifting = task({
      id: "drifting",
      run: async () => {
        executions++;
        // The second execution takes another path: a deploy changed the code, say.
        await step.run(executions === 1 ? "reserve-seat" : "refund", () => "x");
        await timers.waitFor("100ms");
        return "done";
      },
    });
    await stack.startWorker({ ...REPLAY_ONLY, tasks: [drifting] });
    const { runId } = await stack.client.tasks.trigger("drifting");
    const run = await finished(runId);
    expect(run.status).toBe("failed");
    expect(run.error?.name).toBe("NonDeterminismError");
    expect(run.error?.message).toContain('step "reserve-seat"');
    expect(run.error?.message).toContain('step "refund"');
  });

  it("treats a caught non-determinism error as fatal all the same", async () => {
    stack = await startStack();
    let executions = 0;
    const sneaky = task({
      id: "sneaky",
      run: async () => {
        executions++;
        try {
          await step.run(executions === 1 ? "a" : "b", () => 1);
        } catch {
          // swallowing it must not let the run go on
        }
        await timers.waitFor("100ms");
        return "went on";
      },
    });
    await stack.startWorker({ ...REPLAY_ONLY, tasks: [sneaky] });
    const { runId } = await stack.client.tasks.trigger("sneaky");
    await timersDone(runId);
    const run = await finished(runId);
    expect(run.status).toBe("failed");
    expect(run.error?.name).toBe("NonDeterminismError");
  });

  it("retries a thrown error as a new attempt that replays the journal", async () => {
    stack = await startStack();
    const effects: number[] = [];
    const flaky = task({
      id: "flaky",
      retry: { maxAttempts: 3, minDelay: 10 },
      run: async (_payload, ctx) => {
        await step.run("once", () => effects.push(ctx.run.attempt));
        if (ctx.run.attempt < 2) throw new Error("boom on attempt 1");
        return ctx.run.attempt;
      },
    });
    await stack.startWorker({ ...REPLAY_ONLY, tasks: [flaky] });
    const { runId } = await stack.client.tasks.trigger("flaky");
    const run = await finished(runId);
    expect(run.status).toBe("completed");
    expect(run.output).toBe(2);
    expect(run.attempt).toBe(2);
    expect(effects).toEqual([1]);
    const events = (await stack.client.runs.events(runId)).data;
    expect(events.map((e) => e.type)).toEqual(["triggered", "started", "retried", "started", "completed"]);
    expect(events[2].detail).toMatchObject({ error: { name: "Error", message: "boom on attempt 1" } });
  });

  it("fails after the last attempt with the last error", async () => {
    stack = await startStack();
    const broken = task({
      id: "broken",
      retry: { maxAttempts: 2, minDelay: 10 },
      run: async (_p, ctx) => {
        throw new Error(`attempt ${ctx.run.attempt} failed`);
      },
    });
    await stack.startWorker({ ...REPLAY_ONLY, tasks: [broken] });
    const { runId } = await stack.client.tasks.trigger("broken");
    const run = await finished(runId);
    expect(run).toMatchObject({ status: "failed", attempt: 2, error: { message: "attempt 2 failed" } });
  });

  it("fails at once on a NonRetriableError", async () => {
    stack = await startStack();
    const strict = task({
      id: "strict",
      retry: { maxAttempts: 5, minDelay: 10 },
      run: async () => {
        throw new NonRetriableError("bad input");
      },
    });
    await stack.startWorker({ ...REPLAY_ONLY, tasks: [strict] });
    const { runId } = await stack.client.tasks.trigger("strict");
    const run = await finished(runId);
    expect(run).toMatchObject({ status: "failed", attempt: 1, error: { name: "NonRetriableError", message: "bad input" } });
  });

  it("bounds active time with maxDuration, and time parked does not count", async () => {
    stack = await startStack();
    const hangs = task({ id: "hangs", maxDuration: "300ms", run: async () => new Promise(() => {}) });
    const naps = task({ id: "naps", maxDuration: "500ms", run: async () => (await timers.waitFor("800ms"), "rested") });
    await stack.startWorker({ ...REPLAY_ONLY, tasks: [hangs, naps] });
    const hung = await stack.client.tasks.trigger("hangs");
    const napped = await stack.client.tasks.trigger("naps");
    const hungRun = await finished(hung.runId);
    expect(hungRun).toMatchObject({ status: "failed", attempt: 1, error: { name: "MaxDurationExceededError" } });
    expect((await finished(napped.runId)).status).toBe("completed");
  });
});

async function timersDone(runId: string) {
  await eventually(async () => (await stack.client.runs.events(runId)).data.length >= 3);
}
