import { task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

describe("debounce", () => {
  it("makes triggers with one key within the delay one run, which starts a delay after the last with its payload", async () => {
    stack = await startStack();
    const starts: { payload: unknown; at: number }[] = [];
    const summarize = task({
      id: "summarize",
      run: async (payload: { edit: number }) => {
        starts.push({ payload, at: Date.now() });
        return payload.edit;
      },
    });
    await stack.startWorker({ tasks: [summarize] });
    // Five triggers as fast as they come (well within a second): each moves the start.
    const triggers = [];
    let lastAt = 0;
    for (let edit = 1; edit <= 5; edit++) {
      lastAt = Date.now();
      triggers.push(await stack.client.tasks.trigger("summarize", { edit }, { debounce: { key: "doc-7", delay: "1s" } }));
    }
    expect(new Set(triggers.map((t) => t.runId)).size).toBe(1);
    expect(triggers.map((t) => t.deduplicated)).toEqual([false, true, true, true, true]);
    const run = await runReaches(stack.client, triggers[0].runId, "completed");
    expect(run.output).toBe(5);
    expect(starts).toHaveLength(1);
    expect(starts[0].at - lastAt).toBeGreaterThanOrEqual(1000);

    // Another key is another run; the same key after the run started is a new run.
    const other = await stack.client.tasks.trigger("summarize", { edit: 9 }, { debounce: { key: "doc-8", delay: "50ms" } });
    const again = await stack.client.tasks.trigger("summarize", { edit: 10 }, { debounce: { key: "doc-7", delay: "50ms" } });
    expect(new Set([other.runId, again.runId, triggers[0].runId]).size).toBe(3);
    for (const { runId } of [other, again]) await runReaches(stack.client, runId, "completed");
    await eventually(() => starts.length === 3);
  });

  it("refuses a bad debounce with the error shape", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [task({ id: "debounced", run: async () => {} })] });
    const bad = await stack.http("POST", "/api/v1/tasks/debounced/trigger", { body: { debounce: { key: "k", delay: "later" } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe("/debounce/delay");
  });
});
