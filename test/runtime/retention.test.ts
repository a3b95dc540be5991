import { parseRunId } from "@helmr/core";
import { streams, task, tokens } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { REPLAY_ONLY, startStack, type TestStack } from "../harness/stack.ts";
import { allKeys } from "../harness/redis-state.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const reply = streams.input<string>("retained-reply");
const tasks = [task({ id: "retained-quick", run: async () => "quick" }), task({ id: "retained-parks", run: async () => reply.wait().unwrap() })];
/** A whole conversation: an output, a token created and never completed, an input wait with a timeout (so a wake-up job), answered. */
const answer = streams.input<string>("retained-answer");
const said = streams.output("retained-said");
const conversation = task({
  id: "retained-conversation",
  run: async () => {
    await said.append({ hello: true });
    await tokens.create({ timeout: "1h" });
    return answer.wait({ timeout: "1h" }).unwrap();
  },
});
/** Creates a short-lived token it never waits on, then parks: its token ends and is deleted long before the run resumes. */
const outlives = task({
  id: "retained-outlives-token",
  retry: { maxAttempts: 1 },
  run: async () => {
    const token = await tokens.create({ timeout: "1s" });
    await answer.wait();
    return token.id;
  },
});
const status = async (path: string) => (await stack.http("GET", `/api/v1/${path}`)).status;

describe("retention: Redis stays bounded", () => {
  it("deletes finished runs, ended tokens and closed sessions past their retention, and nothing else", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks, sweepIntervalMs: 100, retention: { runMs: 400, tokenMs: 400, sessionMs: 400, sessionIdleCloseMs: 0 } });
    const { client } = stack;
    const quick = await client.tasks.trigger("retained-quick");
    const parked = await client.tasks.trigger("retained-parks");
    await runReaches(client, quick.runId, "completed");
    await runReaches(client, parked.runId, "waiting");
    const ended = await client.tokens.create({ timeout: "1h", tags: ["retained"] });
    await client.tokens.complete(ended.id, { ok: true });
    const waiting = await client.tokens.create({ timeout: "1h", tags: ["retained"] });
    await client.sessions.close(quick.sessionId);

    // Each goes once past its retention, with its entries in the lists.
    await eventually(async () => (await status(`runs/${quick.runId}`)) === 404, { what: "the finished run to be deleted" });
    await eventually(async () => (await status(`tokens/${ended.id}`)) === 404, { what: "the completed token to be deleted" });
    await eventually(async () => (await status(`sessions/${quick.sessionId}`)) === 404, { what: "the closed session, its run gone, to be erased" });
    const { redis, keys } = stack.engine.resources;
    expect(await allKeys(redis, `${keys.tagPrefix(quick.sessionId)}*`)).toEqual([]);
    expect((await client.runs.list({ limit: 100 })).data.map((r) => r.id)).toEqual([parked.runId]);
    expect((await client.tokens.list({ tag: "retained" })).data.map((t) => t.id)).toEqual([waiting.id]);

    // A parked run older than every retention stays, with its session and the waiting token, and still resumes.
    expect(await status(`runs/${parked.runId}`)).toBe(200);
    expect(await status(`sessions/${parked.sessionId}`)).toBe(200);
    expect(await status(`tokens/${waiting.id}`)).toBe(200);
    await client.sessions.open(parked.sessionId).input("retained-reply").send("still here");
    expect((await runReaches(client, parked.runId, "completed")).output).toBe("still here");
    // Finished now, it goes in its turn.
    await eventually(async () => (await status(`runs/${parked.runId}`)) === 404, { what: "the resumed run to be deleted once finished" });
    expect(await status(`sessions/${parked.sessionId}`)).toBe(200);
  });

  it("leaves no key of a conversation once its session is erased: no waiting token, no wake-up job in any queue", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [conversation], sweepIntervalMs: 100, retention: { runMs: 300, tokenMs: 300, sessionMs: 300, sessionIdleCloseMs: 0 } });
    const { client } = stack;
    const runs = [];
    for (let i = 0; i < 6; i++) runs.push(await client.tasks.trigger("retained-conversation"));
    for (const { runId } of runs) await runReaches(client, runId, "waiting");
    for (const { sessionId } of runs) await client.sessions.open(sessionId).input("retained-answer").send("yes");
    for (const { runId } of runs) expect((await runReaches(client, runId, "completed")).output).toBe("yes");
    // One more parks and is cancelled by its session's close: its wake-up job goes too.
    const cancelled = await client.tasks.trigger("retained-conversation");
    await runReaches(client, cancelled.runId, "waiting");
    for (const { sessionId } of [...runs, cancelled]) await client.sessions.close(sessionId);
    for (const { sessionId } of [...runs, cancelled])
      await eventually(async () => (await status(`sessions/${sessionId}`)) === 404, { timeoutMs: 15_000, what: `session ${sessionId} to be erased` });

    // Every key of the prefix, Helmr's and BullMQ's (the shared queue's and each worker's own):
    // none names a conversation's session (its tokens), run or job.
    const { redis } = stack.engine.resources;
    const names = [...runs, cancelled].flatMap(({ runId }) => [runId, `{${parseRunId(runId).tag}}`]);
    const left = async () => (await allKeys(redis, `*${stack.prefix}*`)).filter((key) => names.some((name) => key.includes(name)));
    // Deletions run in the background (the sweeps, a superseded job's removal): polled, naming what is left.
    await eventually(
      async () => {
        const keys = await left();
        if (keys.length) throw new Error(`left: ${keys.join(", ")}`);
        return true;
      },
      { timeoutMs: 10_000, what: "no key of the conversations to be left" },
    );
  });

  it("a replay does not bring back a token of the run that retention deleted: the run fails, saying why", async () => {
    stack = await startStack();
    await stack.startWorker({
      tasks: [outlives],
      ...REPLAY_ONLY,
      sweepIntervalMs: 100,
      retention: { runMs: 0, tokenMs: 200, sessionMs: 0, sessionIdleCloseMs: 0 },
    });
    const { client } = stack;
    const { runId, sessionId } = await client.tasks.trigger("retained-outlives-token");
    await runReaches(client, runId, "waiting");
    const journal = (await stack.http("GET", `/api/v1/runs/${runId}/journal`)).body.data;
    const tokenId = journal.find((operation: { kind: string }) => operation.kind === "token").name as string;
    await eventually(async () => (await status(`tokens/${tokenId}`)) === 404, { timeoutMs: 15_000, what: "the timed-out token to be deleted" });

    await client.sessions.open(sessionId).input("retained-answer").send("late");
    const failed = await runReaches(client, runId, "failed");
    expect(failed.error).toMatchObject({ message: expect.stringContaining("deleted by retention") });
    expect(await status(`tokens/${tokenId}`)).toBe(404);
  });

  it("closes an open session idle past HELMR_SESSION_IDLE_CLOSE, then erases it; input keeps a session open", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks, sweepIntervalMs: 100, retention: { runMs: 200, tokenMs: 0, sessionMs: 200, sessionIdleCloseMs: 1_500 } });
    const { client } = stack;
    const idle = await client.tasks.trigger("retained-quick");
    const busy = await client.sessions.create({});
    await runReaches(client, idle.runId, "completed");
    const input = client.sessions.open(busy.id).input("retained-reply");
    // Input every few hundred ms keeps `busy` open while `idle` passes its idle time.
    const deadline = Date.now() + 20_000;
    let closedAt = 0;
    while (Date.now() < deadline) {
      await input.send("ping");
      const session = await stack.http("GET", `/api/v1/sessions/${idle.sessionId}`);
      if (session.status === 404) break;
      if (session.body.status === "closed") closedAt ||= Date.now();
    }
    expect(closedAt).toBeGreaterThan(0);
    expect(await status(`sessions/${idle.sessionId}`)).toBe(404);
    expect((await client.sessions.retrieve(busy.id)).status).toBe("open");
  });
});

describe("the retention due index", () => {
  it("holds what ended, not what is parked, and loses each unit once nothing of it is left to come due", async () => {
    stack = await startStack();
    // A long retention: the sweeper looks at nothing yet, so the index shows what was fed.
    await stack.startWorker({ tasks, sweepIntervalMs: 100, retention: { runMs: 60_000, tokenMs: 0, sessionMs: 0, sessionIdleCloseMs: 0 } });
    const { client } = stack;
    const { redis, keys } = stack.engine.resources;
    const parked = await client.tasks.trigger("retained-parks");
    const quick = await client.tasks.trigger("retained-quick");
    await runReaches(client, parked.runId, "waiting");
    await runReaches(client, quick.runId, "completed");
    await eventually(async () => (await redis.zscore(keys.shards[0].retentionDue(), quick.sessionId)) !== null, {
      what: "the finished run's session in the due index",
    });
    expect(await redis.zscore(keys.shards[0].retentionDue(), parked.sessionId)).toBeNull();

    // Looked at as if past its run's retention: the run goes, and with it the session's entry.
    // (A sweep finds nothing while the worker's own holds the lock; the next one takes it.)
    const sweepAt = (at: number, runMs: number) =>
      eventually(async () => (await stack.engine.retention.sweep({ runMs, tokenMs: 0, sessionMs: 0, sessionIdleCloseMs: 0 }, at)).runs > 0, {
        what: "a sweep to delete a run",
      });
    await sweepAt(Date.now() + 120_000, 60_000);
    expect(await status(`runs/${quick.runId}`)).toBe(404);
    expect(await redis.zscore(keys.shards[0].retentionDue(), quick.sessionId)).toBeNull();
    // The parked run, once it finished, is fed in its turn.
    await client.sessions.open(parked.sessionId).input("retained-reply").send("done");
    await runReaches(client, parked.runId, "completed");
    await eventually(async () => (await redis.zscore(keys.shards[0].retentionDue(), parked.sessionId)) !== null, {
      what: "the resumed run's session in the due index",
    });
    await sweepAt(Date.now() + 120_000, 60_000);
    expect(await status(`runs/${parked.runId}`)).toBe(404);
  });
});

describe("the retention sweeper beside deliveries", () => {
  it("loses no input while it deletes finished runs under a concurrent delivery load", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks, sweepIntervalMs: 50, retention: { runMs: 1, tokenMs: 0, sessionMs: 0, sessionIdleCloseMs: 0 } });
    const { client } = stack;
    const parked = await Promise.all(Array.from({ length: 40 }, () => client.tasks.trigger("retained-parks")));
    for (const { runId } of parked) await runReaches(client, runId, "waiting");
    // Deliveries and finishing runs at once, while the sweeper deletes each run as soon as it finished.
    const sent = await Promise.all(parked.map(({ sessionId }, i) => client.sessions.open(sessionId).input("retained-reply").send(`input ${i}`)));
    expect(sent.map((s) => s.status)).toEqual(Array(parked.length).fill("resumed"));
    const outputs = new Map<string, unknown>();
    await eventually(
      async () => {
        for (const { runId } of parked) {
          if (outputs.has(runId)) continue;
          const run = await stack.http("GET", `/api/v1/runs/${runId}`);
          if (run.status === 200 && run.body.status === "completed") outputs.set(runId, run.body.output);
          // Deleted by the sweeper: it had finished (a parked or running run is never deleted).
          if (run.status === 404) outputs.set(runId, "deleted after it finished");
        }
        return outputs.size === parked.length;
      },
      { what: "every run to finish" },
    );
    // Every input was consumed exactly once, by its own run.
    for (const [i, { sessionId, runId }] of parked.entries()) {
      const history = (await client.sessions.open(sessionId).input("retained-reply").list()).data;
      expect(history.map((e) => [e.data, e.status, e.consumedBy?.runId])).toEqual([[`input ${i}`, "consumed", runId]]);
      expect([`input ${i}`, "deleted after it finished"]).toContain(outputs.get(runId));
    }
  });
});
