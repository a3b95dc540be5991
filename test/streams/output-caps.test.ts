import { streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { REPLAY_ONLY, startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const capped = streams.output<number>("capped-log", { maxLength: 50 });
const uncapped = streams.output<number>("uncapped-log");

describe("output stream caps (maxLength)", () => {
  it("trims a capped output stream to about its cap, oldest first, and leaves an uncapped one whole", async () => {
    stack = await startStack();
    await stack.startWorker({
      tasks: [
        task({
          id: "chatty-output",
          run: async () => {
            for (let i = 0; i < 600; i++) await capped.append(i);
            for (let i = 0; i < 600; i++) await uncapped.append(i);
            return "done";
          },
        }),
      ],
    });
    const { runId, sessionId } = await stack.client.tasks.trigger("chatty-output");
    await runReaches(stack.client, runId, "completed");
    const { redis, keys } = stack.engine.resources;
    const length = await redis.xlen(keys.outputStream(sessionId, "capped-log"));
    // Approximate trimming keeps whole nodes (100 entries each by default): at least the cap, well under everything.
    expect(length).toBeGreaterThanOrEqual(50);
    expect(length).toBeLessThan(250);
    const newest = (await stack.client.sessions.open(sessionId).output("capped-log").read({ limit: 200 })).data.map((e) => e.data);
    expect(newest.at(-1)).toBe(599);
    expect(newest).toEqual(Array.from({ length: newest.length }, (_, i) => 600 - newest.length + i));
    expect(await redis.xlen(keys.outputStream(sessionId, "uncapped-log"))).toBe(600);
  });

  it("never trims an input stream: a replay still reads the inputs its journal names, after hundreds of capped outputs", async () => {
    stack = await startStack();
    const answer = streams.input<string>("capped-answer");
    // Replay only: the second resume reads the first input back through its journal entry.
    await stack.startWorker({
      ...REPLAY_ONLY,
      tasks: [
        task({
          id: "capped-conversation",
          run: async () => {
            const first = await answer.wait().unwrap();
            for (let i = 0; i < 300; i++) await capped.append(i);
            return [first, await answer.wait().unwrap()];
          },
        }),
      ],
    });
    const { runId, sessionId } = await stack.client.tasks.trigger("capped-conversation");
    const input = stack.client.sessions.open(sessionId).input("capped-answer");
    // Longer than an entry id, so the journal names the entry rather than copying it.
    const long = "a long first answer ".repeat(5);
    await runReaches(stack.client, runId, "waiting");
    await input.send(long);
    // Parked at the second wait (its second park), so the next input resumes it by replay.
    await eventually(async () => (await stack.client.runs.events(runId)).data.filter((e) => e.type === "parked").length === 2, {
      what: "the run to park at its second wait",
    });
    await input.send("second");
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual([long, "second"]);
    const { redis, keys } = stack.engine.resources;
    expect(await redis.xlen(keys.inputStream(sessionId, "capped-answer"))).toBe(2);
    expect(await redis.xlen(keys.outputStream(sessionId, "capped-log"))).toBeLessThan(250);
  });

  it("refuses a cap that is not a whole number of entries", () => {
    expect(() => streams.output("bad-cap", { maxLength: -1 })).toThrow(/maxLength must be a whole number/);
  });
});
