import { step, streams, task, timers, tokens } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { redisState } from "../harness/redis-state.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const message = streams.input<string>("message");

/**
 * A conversation whose code outside any step counts its executions: a warm resume
 * continues the same one, a replay starts another.
 */
function conversation(id: string, executions: Map<string, number>, afterWait: () => void = () => {}) {
  return task({
    id,
    run: async (payload: { turns: number }, ctx) => {
      executions.set(ctx.run.id, (executions.get(ctx.run.id) ?? 0) + 1);
      const replies: string[] = [];
      for (let i = 0; i < payload.turns; i++) {
        const text = await message.wait().unwrap();
        afterWait();
        replies.push(await step.run("reply", () => `re: ${text}`));
      }
      return replies;
    },
  });
}

async function sendWhenWaiting(runId: string, sessionId: string, text: string) {
  await runReaches(stack.client, runId, "waiting");
  await stack.client.sessions.open(sessionId).input("message").send(text);
}

describe("warm resume: a parked run continues in the worker that keeps it", () => {
  it("runs the code between durable operations once across resumes, in the same worker, and journals every turn", async () => {
    stack = await startStack();
    const executions = new Map<string, number>();
    const chat = conversation("warm-chat", executions);
    // Two workers: a resume continues in the one that keeps the run, never the other.
    await stack.startWorker({ tasks: [chat] });
    await stack.startWorker({ tasks: [chat] });
    const { runId, sessionId } = await stack.client.tasks.trigger("warm-chat", { turns: 5 });
    for (let i = 0; i < 5; i++) {
      // Longer than an entry id: journaled by reference, read back from the stream.
      await sendWhenWaiting(runId, sessionId, `message ${i} of the conversation`);
      await eventually(async () => (await stack.client.runs.events(runId)).data.filter((e) => e.type === "resumed").length === i + 1);
    }
    const run = await runReaches(stack.client, runId, "completed");
    expect(run.output).toEqual([0, 1, 2, 3, 4].map((i) => `re: message ${i} of the conversation`));
    expect(executions.get(runId)).toBe(1);

    // Durable all the same: every turn's wait, input and step are in the journal.
    const journal = await stack.engine.executions.journal(runId);
    for (let turn = 0; turn < 5; turn++) {
      expect(JSON.parse(journal.get(String(2 * turn))!)).toEqual({ k: "input", n: "message" });
      expect(JSON.parse(journal.get(`r${2 * turn}`)!)).toMatchObject({ ok: true, output: `message ${turn} of the conversation` });
      expect(JSON.parse(journal.get(String(2 * turn + 1))!)).toEqual({ k: "step", n: "reply", v: `re: message ${turn} of the conversation` });
    }
    const events = (await stack.client.runs.events(runId)).data;
    expect(events.map((e) => e.type)).toEqual(["triggered", "started", ...Array(5).fill(["parked", "resumed"]).flat(), "completed"]);
    expect(events[2].detail).toMatchObject({ kind: "input", position: 0, stream: "message" });
    expect(events[3].detail).toMatchObject({ kind: "input", entry: expect.stringMatching(/^\d+-\d+$/) });
  });

  it("resumes warm from a timer and from a token completion too", async () => {
    stack = await startStack();
    let executions = 0;
    await stack.startWorker({
      tasks: [
        task({
          id: "warm-waits",
          run: async (_payload, ctx) => {
            executions++;
            await timers.waitFor("50ms");
            const token = await tokens.create({ timeout: "1m" });
            await step.run("publish", () => ctx.run.id && token.id);
            return (await tokens.wait<string>(token.id).unwrap()) + executions;
          },
        }),
      ],
    });
    const { runId } = await stack.client.tasks.trigger("warm-waits");
    const tokenId = await eventually(async () => {
      const run = await stack.client.runs.retrieve(runId);
      return run.waitingOn?.kind === "token" && run.waitingOn.tokenId;
    });
    await stack.client.tokens.complete(tokenId, "done ");
    expect((await runReaches(stack.client, runId, "completed")).output).toBe("done 1");
  });

  it("replays a run the worker gave up (HELMR_WARM_RUNS reached), and continues the ones it kept", async () => {
    stack = await startStack();
    const executions = new Map<string, number>();
    await stack.startWorker({ tasks: [conversation("evicted-chat", executions)], warmRuns: 1 });
    const first = await stack.client.tasks.trigger("evicted-chat", { turns: 1 });
    await runReaches(stack.client, first.runId, "waiting");
    const second = await stack.client.tasks.trigger("evicted-chat", { turns: 1 });
    await runReaches(stack.client, second.runId, "waiting");

    await sendWhenWaiting(first.runId, first.sessionId, "a");
    await sendWhenWaiting(second.runId, second.sessionId, "b");
    expect((await runReaches(stack.client, first.runId, "completed")).output).toEqual(["re: a"]);
    expect((await runReaches(stack.client, second.runId, "completed")).output).toEqual(["re: b"]);
    expect(executions.get(first.runId)).toBe(2);
    expect(executions.get(second.runId)).toBe(1);
  });

  it("writes nothing when the run it would continue was cancelled after its resume was queued", async () => {
    let armed = false;
    let stateAfterCancel: Record<string, string> | undefined;
    stack = await startStack({
      hooks: {
        // Between the delivery that resumed the run and the job that continues it.
        beforeDispatch: async (runId) => {
          if (!armed) return;
          armed = false;
          await stack.client.runs.cancel(runId);
          stateAfterCancel = await redisState(stack.engine.resources.redis, stack.prefix);
        },
      },
    });
    const executions = new Map<string, number>();
    let continued = 0;
    await stack.startWorker({ tasks: [conversation("cancelled-chat", executions, () => continued++)] });
    const { runId, sessionId } = await stack.engine.runs.trigger("cancelled-chat", { payload: { turns: 1 } });
    await runReaches(stack.client, runId, "waiting");
    armed = true;
    await stack.engine.streams.deliver(sessionId, "message", "too late");
    // The warm execution got the job and ran its code up to the step, whose write was refused.
    await eventually(() => continued === 1);
    await eventually(async () => (await stack.engine.resources.runsQueue.getJobCounts("active", "wait")).active === 0);
    expect((await stack.client.runs.retrieve(runId)).status).toBe("cancelled");
    const after = await redisState(stack.engine.resources.redis, stack.prefix);
    const runKey = stack.engine.resources.keys.run(runId);
    expect(after[runKey]).toBe(stateAfterCancel![runKey]);
    expect(executions.get(runId)).toBe(1);
  });

  it("hands a resume that reaches a stopping worker to another worker, which replays the run", async () => {
    stack = await startStack();
    const executions = new Map<string, number>();
    const chat = conversation("handed-chat", executions);
    const keeper = await stack.startWorker({ tasks: [chat] });
    const { runId, sessionId } = await stack.client.tasks.trigger("handed-chat", { turns: 1 });
    await runReaches(stack.client, runId, "waiting");
    await stack.startWorker({ tasks: [chat] });
    const closing = keeper.close();
    await stack.client.sessions.open(sessionId).input("message").send("while stopping");
    await closing;
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual(["re: while stopping"]);
    expect(executions.get(runId)).toBe(2);
  });
});
