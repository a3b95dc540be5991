import type { Racepoint } from "@helmr/broker";
import { TokenFailedError, WaitTimeoutError, streams, task, timers, tokens, waits } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { REPLAY_ONLY, startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

/** `waits.first`: one wait with several ways to end, exactly one of which wins. */
const replies = streams.input<string>("first-reply");
const others = streams.input<string>("first-other");
const quick = task({
  id: "first-quick",
  run: async (p: { n: number; hold?: boolean }) => (p.hold ? (await others.wait({ correlationId: "child" }).unwrap(), p.n) : p.n * 10),
});

/** Each winner the code saw, in order, replays included: a replay must see the same one. */
const seen: unknown[] = [];
const racer = task({
  id: "first-racer",
  run: async (p: { timeout?: string; tokenTimeout?: string; child?: boolean; hold?: boolean }) => {
    const approval = await tokens.create({ timeout: p.tokenTimeout ?? "1h" });
    const won = await waits.first({
      reply: replies.waitFor({ correlationId: "r" }),
      other: others.waitFor(),
      approval: approval.waitFor<{ yes: boolean }>(),
      ...(p.child ? { child: quick.waitFor({ n: 4, hold: p.hold }) } : {}),
      timeout: timers.after(p.timeout ?? "1h"),
    });
    const summary = won.ok
      ? { key: won.key, output: won.output ?? null }
      : { key: won.key, error: won.error.name, timedOut: won.error instanceof WaitTimeoutError, failed: won.error instanceof TokenFailedError };
    seen.push(summary);
    // What arrives after the winner stays buffered for the next wait: the losers consumed nothing.
    const next = await replies.wait({ correlationId: "r", timeout: "10s" });
    return { won: summary, next: next.ok ? next.output : null };
  },
});

async function parkedOnFirst(runId: string) {
  return eventually(
    async () => {
      const run = await stack.client.runs.retrieve(runId);
      return run.waitingOn?.kind === "first" ? run.waitingOn : undefined;
    },
    { what: "the run to park on waits.first" },
  );
}
/** The session's queues of parked input waits (lua/includes/waitKeys.lua): one field per (stream, correlationId) with a waiting run. */
async function inputQueues(sessionId: string): Promise<string[]> {
  const fields = await stack.engine.resources.redis.hkeys(stack.engine.resources.keys.session(sessionId));
  return fields.filter((field) => field.startsWith("w:"));
}
const tokenOf = (wait: Awaited<ReturnType<typeof parkedOnFirst>>) => wait.branches.find((b) => b.kind === "token")!;

/** Waits on a token another run made (the id in its payload). */
const tokenWaiter = task({ id: "first-token-waiter", run: async (p: { tokenId: string }) => tokens.wait<{ yes: boolean }>(p.tokenId).unwrap() });

describe("waits.first", () => {
  it("an input wins: the other branches let go, so a later input waits for the next wait and the token ends no wait", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [racer] });
    const { runId, sessionId } = await stack.client.tasks.trigger("first-racer", {});
    const wait = await parkedOnFirst(runId);
    expect(wait.branches.map((b) => [b.key, b.kind])).toEqual([
      ["reply", "input"],
      ["other", "input"],
      ["approval", "token"],
      ["timeout", "timer"],
    ]);
    expect(wait.deadline).not.toBeNull();
    expect((await stack.http("GET", "/api/v1/waits?kind=first")).body.data).toEqual([expect.objectContaining({ kind: "first", runId })]);
    const session = stack.client.sessions.open(sessionId);
    await session.input("first-reply").send("a", { correlationId: "r" });
    await runReaches(stack.client, runId, "waiting");
    expect(await inputQueues(sessionId)).toEqual(["w:first-reply|r"]); // the next wait's; the losing branch's queue is gone
    // The losing input branch is gone from its queue: this input is buffered, not consumed.
    expect((await session.input("first-other").send("late")).status).toBe("buffered");
    await stack.client.tokens.complete(tokenOf(wait).tokenId, { yes: true });
    await session.input("first-reply").send("b", { correlationId: "r" });
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ won: { key: "reply", output: "a" }, next: "b" });
    const events = (await stack.client.runs.events(runId)).data.map((e) => e.type);
    expect(events).toEqual(["triggered", "started", "parked", "resumed", "parked", "resumed", "completed"]);
  });

  it("a token branch that lost lets go of the token: another run may wait on it, and its completion resumes that run", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [racer, tokenWaiter] });
    const { runId, sessionId } = await stack.client.tasks.trigger("first-racer", {});
    const { tokenId } = tokenOf(await parkedOnFirst(runId));
    await stack.client.sessions.open(sessionId).input("first-reply").send("a", { correlationId: "r" });
    await eventually(async () => (await stack.engine.resources.redis.hget(stack.engine.resources.keys.token(tokenId), "waiter")) === null, {
      what: "the losing branch's waiter mark to go",
    });
    const waiter = await stack.client.tasks.trigger("first-token-waiter", { tokenId });
    await runReaches(stack.client, waiter.runId, "waiting");
    await stack.client.tokens.complete(tokenId, { yes: true });
    expect((await runReaches(stack.client, waiter.runId, "completed")).output).toEqual({ yes: true });
  });

  it("a token wins, and a failed token wins with its TokenFailedError; the input branch consumed nothing", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [racer] });
    for (const [settle, expected] of [
      ["complete", { key: "approval", output: { yes: true } }],
      ["fail", { key: "approval", error: "TokenFailedError", timedOut: false, failed: true }],
    ] as const) {
      const { runId, sessionId } = await stack.client.tasks.trigger("first-racer", {});
      const tokenId = tokenOf(await parkedOnFirst(runId)).tokenId;
      if (settle === "complete") await stack.client.tokens.complete(tokenId, { yes: true });
      else await stack.client.tokens.fail(tokenId, { error: { message: "declined" } });
      await eventually(async () => (await stack.client.runs.retrieve(runId)).waitingOn?.kind === "input" || undefined, {
        what: "the run to reach its next wait",
      });
      await stack.client.sessions.open(sessionId).input("first-reply").send("c", { correlationId: "r" });
      expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ won: expected, next: "c" });
    }
  });

  it("a timer wins, and a token's own timeout wins as a WaitTimeoutError", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [racer] });
    const timer = await stack.client.tasks.trigger("first-racer", { timeout: "150ms" });
    const timedOutToken = await stack.client.tasks.trigger("first-racer", { tokenTimeout: "150ms" });
    for (const { runId, sessionId } of [timer, timedOutToken]) {
      await eventually(async () => (await stack.client.runs.retrieve(runId)).waitingOn?.kind === "input" || undefined, {
        what: "the run to reach its next wait",
      });
      await stack.client.sessions.open(sessionId).input("first-reply").send("d", { correlationId: "r" });
    }
    expect((await runReaches(stack.client, timer.runId, "completed")).output).toEqual({ won: { key: "timeout", output: null }, next: "d" });
    expect((await runReaches(stack.client, timedOutToken.runId, "completed")).output).toEqual({
      won: { key: "approval", error: "WaitTimeoutError", timedOut: true, failed: false },
      next: "d",
    });
  });

  it("a child run wins with its output; the parent shows it among the branches", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [racer, quick] });
    const { runId, sessionId } = await stack.client.tasks.trigger("first-racer", { child: true, hold: true });
    const wait = await parkedOnFirst(runId);
    const child = wait.branches.find((b) => b.kind === "run");
    expect(child).toMatchObject({ key: "child", kind: "run" });
    expect((await stack.client.runs.retrieve((child as { childRunId: string }).childRunId)).parentRunId).toBe(runId);
    await stack.client.sessions.open(sessionId).input("first-other").send("go", { correlationId: "child" });
    await eventually(async () => (await stack.client.runs.retrieve(runId)).waitingOn?.kind === "input" || undefined, {
      what: "the run to reach its next wait",
    });
    await stack.client.sessions.open(sessionId).input("first-reply").send("e", { correlationId: "r" });
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ won: { key: "child", output: 4 }, next: "e" });
  });

  it("cancelling the run cancels the child run a branch waits on", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [racer, quick] });
    const { runId } = await stack.client.tasks.trigger("first-racer", { child: true, hold: true });
    const child = (await parkedOnFirst(runId)).branches.find((b) => b.kind === "run") as { childRunId: string };
    await runReaches(stack.client, child.childRunId, "waiting");
    await stack.client.runs.cancel(runId);
    expect((await runReaches(stack.client, child.childRunId, "cancelled")).status).toBe("cancelled");
  });

  it("a buffered input wins at once, without parking; an ended branch elsewhere would win over it", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [racer] });
    const session = await stack.client.sessions.create({ externalId: "first-buffered" });
    const input = stack.client.sessions.open(session.id).input("first-reply");
    await input.send("early", { correlationId: "r" });
    await input.send("next", { correlationId: "r" });
    const { runId } = await stack.client.tasks.trigger("first-racer", {}, { sessionId: session.id });
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ won: { key: "reply", output: "early" }, next: "next" });
    const events = (await stack.client.runs.events(runId)).data.map((e) => e.type);
    expect(events).toEqual(["triggered", "started", "completed"]);
  });

  it("cancelling the run takes it off its input branches: a later input is buffered", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [racer] });
    const { runId, sessionId } = await stack.client.tasks.trigger("first-racer", {});
    await parkedOnFirst(runId);
    expect(await inputQueues(sessionId)).toEqual(["w:first-reply|r", "w:first-other|"]);
    await stack.client.runs.cancel(runId);
    expect(await inputQueues(sessionId)).toEqual([]);
    expect((await stack.client.sessions.open(sessionId).input("first-other").send("x")).status).toBe("buffered");
    expect((await stack.client.sessions.open(sessionId).input("first-reply").send("y", { correlationId: "r" })).status).toBe("buffered");
  });

  it("a replay (no warm resume) returns the same winner from the journal", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [racer], ...REPLAY_ONLY });
    seen.length = 0;
    const { runId, sessionId } = await stack.client.tasks.trigger("first-racer", {});
    await parkedOnFirst(runId);
    const session = stack.client.sessions.open(sessionId);
    await session.input("first-other").send("o1");
    await eventually(async () => (await stack.client.runs.retrieve(runId)).waitingOn?.kind === "input" || undefined, {
      what: "the run to reach its next wait",
    });
    await session.input("first-other").send("o2");
    await session.input("first-reply").send("f", { correlationId: "r" });
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ won: { key: "other", output: "o1" }, next: "f" });
    expect(seen).toEqual([
      { key: "other", output: "o1" },
      { key: "other", output: "o1" },
    ]);
  });
});

/**
 * A racer parked on a waits.first of an input and a 300 ms timeout, on a worker that sends
 * the input the first time it reaches `point` for that run.
 */
async function inputAt(point: Racepoint): Promise<{ runId: string; sessionId: string; raced: () => boolean }> {
  stack = await startStack();
  let raced = false;
  let target: { runId: string; sessionId: string } | undefined;
  await stack.startWorker({
    tasks: [racer],
    hooks: {
      racepoint: async (reached, { runId }) => {
        const racing = target;
        if (reached !== point || !racing || runId !== racing.runId || raced) return;
        raced = true;
        await stack.client.sessions.open(racing.sessionId).input("first-reply").send("racer", { correlationId: "r" });
      },
    },
  });
  target = await stack.client.tasks.trigger("first-racer", { timeout: "300ms" });
  await parkedOnFirst(target.runId);
  return { ...target, raced: () => raced };
}

describe("waits.first races (forced interleavings)", () => {
  it("an input delivered as the timeout's job starts wins; the timeout's job then finds the run taken and ends nothing", async () => {
    // The input lands as the wake-up job starts, before its start script runs.
    const race = await inputAt("worker.beforeStart");
    const { runId, sessionId } = race;
    await eventually(async () => (await stack.client.runs.retrieve(runId)).waitingOn?.kind === "input" || undefined, {
      what: "the run to reach its next wait",
    });
    expect(race.raced()).toBe(true);
    await stack.client.sessions.open(sessionId).input("first-reply").send("after", { correlationId: "r" });
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ won: { key: "reply", output: "racer" }, next: "after" });
    const inputs = (await stack.client.sessions.open(sessionId).input("first-reply").list()).data;
    expect(inputs.map((entry) => [entry.data, entry.consumedBy?.position])).toEqual([
      ["racer", 1],
      ["after", 2],
    ]);
  });

  it("a timeout that resolves first: the input delivered right after it is buffered for the next wait, not lost or consumed by the loser", async () => {
    // The input lands right after the start script resolved the timeout, before the code runs on.
    const race = await inputAt("worker.started");
    const { runId } = race;
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ won: { key: "timeout", output: null }, next: "racer" });
    expect(race.raced()).toBe(true);
  });
});
