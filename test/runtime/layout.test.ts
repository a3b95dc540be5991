import { randomBytes } from "node:crypto";
import { Keys, LAYOUT_VERSION, LayoutMismatchError, createEngine } from "@helmr/broker";
import { newRunId, newSessionId, parseRunId } from "@helmr/core";
import { step, streams, task } from "@helmr/sdk";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, inject } from "vitest";
import { runReaches } from "../harness/runs.ts";
import { startStack, testLogger } from "../harness/stack.ts";

const admin = new Redis(inject("redisUrl"));
afterAll(() => admin.quit());

describe("the stored layout's version", () => {
  it("marks a fresh prefix with this Helmr's layout, and refuses a prefix written in another one", async () => {
    const fresh = `t-${randomBytes(5).toString("hex")}`;
    const engine = createEngine({ redisUrl: inject("redisUrl"), prefix: fresh, logger: testLogger() });
    await engine.ready();
    await engine.close();
    expect(await admin.get(`${fresh}:layout`)).toBe(String(LAYOUT_VERSION));

    const other = `t-${randomBytes(5).toString("hex")}`;
    await admin.set(`${other}:layout`, String(LAYOUT_VERSION + 1));
    const refused = createEngine({ redisUrl: inject("redisUrl"), prefix: other, logger: testLogger() });
    const error = await refused.ready().catch((e) => e);
    await refused.close();
    expect(error).toBeInstanceOf(LayoutMismatchError);
    expect(error.message).toMatch(new RegExp(`layout version ${LAYOUT_VERSION + 1}, and this Helmr reads version ${LAYOUT_VERSION}`));
  });

  it("upgrades layout 4 to 5: a session names the tokens its runs created under its tag, so its erasure deletes them", async () => {
    const prefix = `t-${randomBytes(5).toString("hex")}`;
    const keys = new Keys(prefix);
    const sessionId = newSessionId();
    const runId = newRunId(sessionId);
    const { tag } = parseRunId(runId);
    const own = "01M97K0000000000";
    const t = Date.now();
    // As layout 4 left them: a waiting token a run created under its session's tag, not named by the session; and one outside any run.
    await admin.hset(keys.session(sessionId), { status: "closed", createdAt: String(t), updatedAt: String(t), closedAt: String(t) });
    await admin.hset(keys.token(`tok_${own}_${tag}`), {
      status: "waiting",
      timeoutAt: String(t + 3_600_000),
      createdAt: String(t),
      updatedAt: String(t),
      runId,
    });
    const outside = `tok_01M97K0000000001_01M97K000000000X`;
    await admin.hset(keys.token(outside), { status: "waiting", timeoutAt: String(t + 3_600_000), createdAt: String(t), updatedAt: String(t) });
    await admin.set(keys.layout(), "4");
    const stack = await startStack({ prefix });
    try {
      expect(await admin.get(keys.layout())).toBe(String(LAYOUT_VERSION));
      expect(await admin.hget(keys.session(sessionId), `tok:${own}`)).toBe("");
      expect(await admin.hexists(keys.session("ses_01M97K000000000X"), "tok:01M97K0000000001")).toBe(0);
      expect((await stack.http("DELETE", `/api/v1/sessions/${sessionId}`)).status).toBe(204);
      expect(await admin.exists(keys.token(`tok_${own}_${tag}`))).toBe(0);
      expect(await admin.exists(keys.token(outside))).toBe(1);
    } finally {
      await stack.close();
    }
  });

  it("upgrades a prefix written in layout 1 in place: the run's journal and events read the same, and the run resumes by replay", async () => {
    const prefix = `t-${randomBytes(5).toString("hex")}`;
    const sessionId = newSessionId();
    const runId = newRunId(sessionId);
    const keys = new Keys(prefix);
    const t = Date.now() - 60_000;
    const firstWait = { kind: "input", pos: 0, since: t + 2, stream: "reply", corr: "" };
    // A run as layout 1 kept it: parked on its second input, after a step.
    await admin.hset(keys.run(runId), {
      task: "upgraded-echo",
      status: "waiting",
      attempt: "1",
      fence: "1",
      job: "",
      dseq: "2",
      runAt: "0",
      payload: "{}",
      createdAt: String(t),
      updatedAt: String(t + 20),
      activeMs: "5",
      startedAt: String(t + 1),
      execAttempt: "1",
      "0": '{"k":"input","n":"reply","c":""}',
      r0: '{"ok":true,"output":"first","entry":"1-1"}',
      "1": '{"k":"step","n":"echo","v":"first!"}',
      "2": '{"k":"input","n":"reply","c":""}',
      wait: JSON.stringify({ kind: "input", pos: 2, since: t + 20, stream: "reply", corr: "" }),
      events: `T+0\nS+1\nP+2 ${JSON.stringify(firstWait)}\nR+10 {"kind":"input","entry":"1-1"}\nP+20\n`,
    });
    await admin.hset(keys.session(sessionId), {
      status: "open",
      createdAt: String(t),
      updatedAt: String(t),
      [`a:${parseRunId(runId).own}`]: "1",
      "w:reply|": parseRunId(runId).own,
    });
    await admin.set(`${prefix}:layout`, "1");

    const stack = await startStack({ prefix });
    try {
      expect(await admin.get(`${prefix}:layout`)).toBe(String(LAYOUT_VERSION));
      const fields = await admin.hkeys(keys.run(runId));
      expect(fields).not.toContain("events");
      expect(fields).not.toContain("r0");
      const events = (await stack.client.runs.events(runId)).data;
      expect(events.map((e) => [e.type, Date.parse(e.at) - t])).toEqual([
        ["triggered", 0],
        ["started", 1],
        ["parked", 2],
        ["resumed", 10],
        ["parked", 20],
      ]);
      expect(events[2].detail).toMatchObject({ kind: "input", position: 0, stream: "reply" });
      expect(events[4].detail).toMatchObject({ kind: "input", position: 2, stream: "reply" });

      let stepRuns = 0;
      const reply = streams.input<string>("reply");
      await stack.startWorker({
        tasks: [
          task({
            id: "upgraded-echo",
            run: async () => {
              const first = await reply.wait().unwrap();
              const echoed = await step.run("echo", () => (stepRuns++, `${first}!`));
              return [echoed, await reply.wait().unwrap()];
            },
          }),
        ],
      });
      await stack.client.sessions.open(sessionId).input("reply").send("second");
      expect((await runReaches(stack.client, runId, "completed")).output).toEqual(["first!", "second"]);
      expect(stepRuns).toBe(0);
    } finally {
      await stack.close();
    }
  });

  /** Renames the global structures of shard 0 as an older layout named them (layout 2: no hash tags; 3: the waiting index and change marks tagged). */
  async function renameAsLayout(prefix: string, keys: Keys, layout: 2 | 3, sessionId: string): Promise<void> {
    const shard = keys.shards[0];
    const waiting = layout === 2 ? `${prefix}:waiting:` : `${prefix}:{waiting}:`;
    const buckets = await admin.zrange(shard.waitingDirectory(), 0, -1);
    expect(buckets.length).toBeGreaterThan(0);
    for (const bucket of buckets) await admin.rename(shard.waitingBuckets() + bucket, waiting + bucket);
    await admin.rename(shard.waitingDirectory(), `${waiting}dir`);
    await admin.rename(shard.waitingSequence(), `${waiting}seq`);
    for (const [now, then] of [
      [shard.sessionsIndex(), "sessions"],
      [shard.runsIndex(), "runs"],
    ])
      await admin.rename(now, `${prefix}:${then}`);
    // (The marks themselves the worker's sweeper may have dropped already: nobody snapshots here.)
    await admin.del(shard.changes());
    await admin.sadd(layout === 2 ? `${prefix}:changes` : `${prefix}:{snapshot}:changes`, sessionId);
    await admin.set(keys.layout(), String(layout));
  }

  it.each([2, 3] as const)(
    "upgrades a prefix written in layout %i: the waiting index, the id logs and the change marks move into shard 0, and the parked run still resumes",
    async (layout) => {
      const reply = streams.input<string>("reply-2");
      const tasks = [task({ id: "layout-2-waits", run: async () => reply.wait().unwrap() })];
      const first = await startStack();
      const { prefix, engine } = first;
      const keys = engine.resources.keys;
      await first.startWorker({ tasks });
      const { runId, sessionId } = await first.client.tasks.trigger("layout-2-waits");
      await runReaches(first.client, runId, "waiting");
      await first.close();
      await renameAsLayout(prefix, keys, layout, sessionId);

      const stack = await startStack({ prefix });
      try {
        expect(await admin.get(keys.layout())).toBe(String(LAYOUT_VERSION));
        const old = ["waiting:dir", "waiting:seq", "changes", "{waiting}:dir", "{waiting}:seq", "{snapshot}:changes", "sessions", "runs"].map(
          (name) => `${prefix}:${name}`,
        );
        expect(await admin.exists(...old)).toBe(0);
        expect(await admin.smembers(keys.shards[0].changes())).toContain(sessionId);
        expect((await stack.client.waits.list()).data.map((wait) => wait.runId)).toEqual([runId]);
        expect((await stack.client.runs.list()).data.map((run) => run.id)).toEqual([runId]);
        expect((await stack.client.sessions.list()).data.map((session) => session.id)).toEqual([sessionId]);
        await stack.startWorker({ tasks });
        await stack.client.sessions.open(sessionId).input("reply-2").send("after the upgrade");
        expect((await runReaches(stack.client, runId, "completed")).output).toBe("after the upgrade");
        expect((await stack.client.waits.list()).data).toEqual([]);
      } finally {
        await stack.close();
      }
    },
  );
});
