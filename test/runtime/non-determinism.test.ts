import { executionBroker } from "@helmr/broker";
import { encodeEntry, newSessionId, newRunId } from "@helmr/core";
import { NonDeterminismError } from "@helmr/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Execution } from "../../libs/sdk/src/executor/execution.ts";
import type { JournalEntry } from "../../libs/sdk/src/executor/journal.ts";
import { onInput, onceInput, peekInput, waitInput } from "../../libs/sdk/src/executor/operations/input.ts";
import { appendOutput } from "../../libs/sdk/src/executor/operations/output.ts";
import { createPublicToken } from "../../libs/sdk/src/executor/operations/public-token.ts";
import { runStep } from "../../libs/sdk/src/executor/operations/step.ts";
import { waitTimer } from "../../libs/sdk/src/executor/operations/timer.ts";
import { createToken, waitToken } from "../../libs/sdk/src/executor/operations/token.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

/**
 * Replay that meets another operation than the journal recorded fails with an error naming
 * both, for every kind of durable operation (a token wait once read as
 * `input stream "tok_…" tokenWait`). Each case journals one kind at position 0 and reaches
 * another there; the check comes before anything is written, so no run needs to exist.
 */
let stack: TestStack;
beforeAll(async () => void (stack = await startStack()));
afterAll(() => stack?.close());

const spec = { stream: "approval", correlationId: "pr-7" };
const TOKEN = "tok_01M8SNBVR330JRN6_01M8SNBVR3Y0F9JA";

/**
 * Each kind: how the journal stores it, how the error names it as recorded (and as reached,
 * where the reaching code knows less: a token's id only comes from the journal), and an
 * operation that reaches it.
 */
const kinds: { recorded: JournalEntry; described: string; reachedAs?: string; reach: (execution: Execution) => unknown }[] = [
  { recorded: { kind: "step", stepId: "charge", value: 1 }, described: 'step "charge"', reach: (e) => runStep(e, "charge", () => 1) },
  { recorded: { kind: "timer", dueAt: 1 }, described: "a timer wait", reach: (e) => waitTimer(e, () => Date.now() + 60_000) },
  {
    recorded: { kind: "input", stream: "approval", correlationId: "pr-7" },
    described: 'a wait on input stream "approval" (correlationId "pr-7")',
    reach: (e) => waitInput(e, spec, null),
  },
  {
    recorded: { kind: "once", stream: "approval", correlationId: "pr-7" },
    described: 'once() on input stream "approval" (correlationId "pr-7")',
    reach: (e) => onceInput(e, spec, null),
  },
  {
    recorded: { kind: "on", stream: "approval", correlationId: "pr-7" },
    described: 'on() on input stream "approval" (correlationId "pr-7")',
    reach: (e) => onInput(e, spec, () => {}),
  },
  {
    recorded: { kind: "peek", stream: "approval", correlationId: "pr-7", values: [] },
    described: 'peek() of input stream "approval" (correlationId "pr-7")',
    reach: (e) => peekInput(e, spec, 10),
  },
  {
    recorded: { kind: "output", stream: "events", entryId: "1-0" },
    described: 'an append to output stream "events"',
    reach: (e) => appendOutput(e, "events", {}, 1 << 20),
  },
  {
    recorded: { kind: "token", tokenId: TOKEN },
    described: `tokens.create() (token ${TOKEN})`,
    reachedAs: "tokens.create()",
    reach: (e) => createToken(e, { timeout: "1h" }),
  },
  {
    recorded: { kind: "publicToken", tokenId: "pin_01M8SNBVR330JRN6_01M8SNBVR3Y0F9JA" },
    described: "auth.createPublicToken()",
    reach: (e) => createPublicToken(e, { scope: { type: "session.input.send", session: newSessionId(), stream: "approval" } }),
  },
  { recorded: { kind: "tokenWait", tokenId: TOKEN }, described: `a wait on token "${TOKEN}"`, reach: (e) => waitToken(e, TOKEN) },
];

/** What `reach` throws or rejects with, when the journal holds `recorded` at position 0. */
async function replayError(recorded: JournalEntry, reach: (execution: Execution) => unknown): Promise<unknown> {
  const sessionId = newSessionId();
  const run = { id: newRunId(sessionId), sessionId, taskId: "replayed", attempt: 1 };
  const execution = new Execution(run, "1", new Map([["0", encodeEntry(recorded)]]), executionBroker(stack.engine));
  try {
    await reach(execution);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("non-determinism on replay", () => {
  for (const [i, recordedKind] of kinds.entries()) {
    // Reach the next kind in the list where this one was recorded (and this one where the previous was).
    const reachedKind = kinds[(i + 1) % kinds.length];
    it(`names ${recordedKind.recorded.kind} when ${reachedKind.recorded.kind} is reached in its place, and the other way round`, async () => {
      for (const [recorded, reached] of [
        [recordedKind, reachedKind],
        [reachedKind, recordedKind],
      ]) {
        const error = await replayError(recorded.recorded, reached.reach);
        expect(error).toBeInstanceOf(NonDeterminismError);
        expect(error).toMatchObject({ position: 0, recorded: recorded.described, reached: reached.reachedAs ?? reached.described });
      }
    });
  }

  it("accepts the same operation with the same name and correlationId", async () => {
    expect(await replayError({ kind: "step", stepId: "charge", value: 1 }, (e) => runStep(e, "charge", () => 2))).toBeUndefined();
    expect(await replayError({ kind: "step", stepId: "charge", value: 1 }, (e) => runStep(e, "refund", () => 2))).toMatchObject({
      recorded: 'step "charge"',
      reached: 'step "refund"',
    });
    const otherCorrelation = await replayError({ kind: "input", stream: "approval", correlationId: "pr-7" }, (e) =>
      waitInput(e, { stream: "approval", correlationId: "pr-8" }, null),
    );
    expect(otherCorrelation).toMatchObject({ reached: 'a wait on input stream "approval" (correlationId "pr-8")' });
  });
});
