import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { streams, task, timers } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { REPLAY_ONLY, startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

// A way to run the garbage collector from a test process started without --expose-gc.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** Objects a parked run's code still references, watched without keeping them alive. */
const alive: WeakRef<object>[] = [];
const answer = streams.input<string>("memory-answer");
const parksOnInput = task({
  id: "memory-input",
  run: async () => {
    const frame = { big: new Array(1000).fill("x") };
    alive.push(new WeakRef(frame));
    await answer.wait();
    return frame.big.length;
  },
});
const parksOnTimer = task({
  id: "memory-timer",
  run: async () => {
    const frame = { big: new Array(1000).fill("y") };
    alive.push(new WeakRef(frame));
    await timers.waitFor("1h");
    return frame.big.length;
  },
});

describe("what a worker holds of parked runs", () => {
  it("with warm resume off, nothing: the code of parked runs is garbage-collected (a worker parks millions over its life)", async () => {
    stack = await startStack();
    await stack.startWorker({ ...REPLAY_ONLY, tasks: [parksOnInput, parksOnTimer] });
    const runs = [];
    for (let i = 0; i < 5; i++) {
      runs.push(await stack.client.tasks.trigger("memory-input"));
      runs.push(await stack.client.tasks.trigger("memory-timer"));
    }
    for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");
    expect(alive.length).toBe(10);
    await eventually(
      () => {
        collectGarbage();
        return alive.every((ref) => ref.deref() === undefined);
      },
      { what: "the parked runs' code to be collected" },
    );

    // And a parked run still resumes: its code runs again from the journal.
    await stack.client.sessions.open(runs[0].sessionId).input("memory-answer").send("done");
    expect((await runReaches(stack.client, runs[0].runId, "completed")).output).toBe(1000);
  });

  it("with warm resume on, at most HELMR_WARM_RUNS of them, the least recently parked given up first", async () => {
    stack = await startStack();
    alive.length = 0;
    await stack.startWorker({ tasks: [parksOnInput], warmRuns: 3 });
    const runs = [];
    for (let i = 0; i < 8; i++) {
      runs.push(await stack.client.tasks.trigger("memory-input"));
      await runReaches(stack.client, runs[i].runId, "waiting");
    }
    await eventually(
      () => {
        collectGarbage();
        return alive.map((ref) => ref.deref() !== undefined).join() === [false, false, false, false, false, true, true, true].join();
      },
      { what: "all but the 3 most recently parked runs' code to be collected" },
    );

    // Kept and given-up runs alike resume; only a given-up one runs its code again.
    for (const i of [0, 7]) {
      await stack.client.sessions.open(runs[i].sessionId).input("memory-answer").send("done");
      expect((await runReaches(stack.client, runs[i].runId, "completed")).output).toBe(1000);
    }
    expect(alive.length).toBe(9);
  });
});
