import { step, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

let started = 0;
let release: () => void = () => {};
const slow = task({
  id: "hand-back-slow",
  run: async () => {
    // The first execution's step outlasts its worker's grace period; the next one's returns at once.
    const outcome = await step.run("slow", () => (++started === 1 ? new Promise<string>((resolve) => (release = () => resolve("late"))) : "on time"));
    return outcome;
  },
});

/** A worker that stops while an execution runs hands it back (lua/releaseExecution-2.lua), on a cluster too. */
describe("a worker closed mid-execution", () => {
  it("hands the execution back after its grace period, and another worker finishes the run", async () => {
    stack = await startStack();
    const first = await stack.startWorker({ tasks: [slow], shutdownGraceMs: 200 });
    const { runId } = await stack.client.tasks.trigger("hand-back-slow");
    await eventually(() => started === 1, { what: "the slow step to start" });
    await first.close();
    release();
    // Handed back: queued again for its next job, the attempt not spent.
    expect(await stack.client.runs.retrieve(runId)).toMatchObject({ status: "queued", attempt: 1 });
    await stack.startWorker({ tasks: [slow] });
    expect((await runReaches(stack.client, runId, "completed")).output).toBe("on time");
    expect(started).toBe(2);
  });
});
