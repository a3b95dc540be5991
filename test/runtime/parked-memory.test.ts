import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { streams, task, timers } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

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

describe("a worker holds nothing of a parked run", () => {
  it("lets the code of parked runs be garbage-collected (a worker parks millions over its life)", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [parksOnInput, parksOnTimer] });
    const runs = [];
    for (let i = 0; i < 5; i++) {
      runs.push(await stack.client.tasks.trigger("memory-input"));
      runs.push(await stack.client.tasks.trigger("memory-timer"));
    }
    for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");
    expect(alive.length).toBe(10);
    await eventually(() => {
      collectGarbage();
      return alive.every((ref) => ref.deref() === undefined);
    }, { what: "the parked runs' code to be collected" });

    // And a parked run still resumes: its code runs again from the journal.
    await stack.client.sessions.open(runs[0].sessionId).input("memory-answer").send("done");
    expect((await runReaches(stack.client, runs[0].runId, "completed")).output).toBe(1000);
  });
});
