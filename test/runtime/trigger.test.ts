import { step, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

describe("trigger to completion", () => {
  it("runs a task through the API and stores its output, session and events", async () => {
    stack = await startStack();
    const greet = task({
      id: "greet",
      run: async (payload: { name: string }, ctx) => {
        const upper = await step.run("upper", () => payload.name.toUpperCase());
        return { greeting: `hello ${upper}`, session: ctx.session.id, run: ctx.run.id, attempt: ctx.run.attempt };
      },
    });
    await stack.startWorker({ tasks: [greet] });

    const { runId, sessionId } = await stack.client.tasks.trigger("greet", { name: "ada" });
    const run = await runReaches(stack.client, runId, "completed");
    expect(run.output).toEqual({ greeting: "hello ADA", session: sessionId, run: runId, attempt: 1 });
    expect(run.sessionId).toBe(sessionId);
    expect(run.payload).toEqual({ name: "ada" });
    const events = await stack.client.runs.events(runId);
    expect(events.data.map((e) => e.type)).toEqual(["triggered", "started", "completed"]);
    const session = await stack.client.sessions.retrieve(sessionId);
    expect(session.runs.map((r) => r.id)).toEqual([runId]);
  });
});
