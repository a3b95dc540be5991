import { ExecutionRefusedError } from "@helmr/broker";
import { step, streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

describe("fencing: a run executes in at most one worker at a time", () => {
  it("refuses every write of an execution whose job was handed to another worker", async () => {
    stack = await startStack();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const effects: string[] = [];
    const slow = task({
      id: "slow",
      run: async () => {
        await gate;
        await step.run("write", () => effects.push("stale execution ran its step"));
        return "stale result";
      },
    });
    const worker = await stack.startWorker({ tasks: [slow] });
    const { runId } = await stack.client.tasks.trigger("slow");
    await eventually(async () => (await stack.client.runs.retrieve(runId)).status === "running");

    // Force the interleaving: BullMQ redelivers the stalled job, so another worker (of the run's version) starts it.
    const takeover = await worker.engine.executions.start(runId, `${runId}-1`, 3);
    expect(takeover).toMatchObject({ status: "run", fence: "2", attempt: 2 });
    release();

    // The first execution's step write and completion are both refused.
    await eventually(() => effects.length === 1);
    await eventually(
      async () =>
        (await stack.engine.resources.redis.hexists(stack.engine.resources.keys.run(runId), "0")) === 0 &&
        (await stack.engine.resources.runsQueue.getActiveCount()) === 0,
    );
    const run = await stack.client.runs.retrieve(runId);
    expect(run).toMatchObject({ status: "running", attempt: 2, output: null });

    // The current execution still writes normally.
    if (takeover.status !== "run") throw new Error("unreachable");
    await stack.engine.executions.writeJournal(runId, takeover.fence, 0, { kind: "step", stepId: "write", value: 1 });
    await expect(stack.engine.executions.writeJournal(runId, "1", 1, { kind: "step", stepId: "stale" })).rejects.toBeInstanceOf(ExecutionRefusedError);
    await stack.engine.executions.complete(runId, takeover.fence, JSON.stringify("current result"));
    expect((await stack.client.runs.retrieve(runId)).output).toBe("current result");
  });

  it("counts a redelivered job as a new attempt and fails the run when none is left", async () => {
    stack = await startStack();
    await stack.engine.tasks.register(["orphan"]);
    const { runId } = await stack.client.tasks.trigger("orphan");
    const jobId = `${runId}-1`;
    expect((await stack.engine.executions.start(runId, jobId, 2)).status).toBe("run");
    expect(await stack.engine.executions.start(runId, jobId, 2)).toMatchObject({ status: "run", attempt: 2 });
    expect(await stack.engine.executions.start(runId, jobId, 2)).toEqual({ status: "failed" });
    const run = await stack.client.runs.retrieve(runId);
    expect(run).toMatchObject({ status: "failed", error: { name: "WorkerLostError" } });
  });

  it("a claimed job starts from what it carries; its execution begins at its first write, with the claimed fence only", async () => {
    stack = await startStack();
    await stack.engine.tasks.register(["orphan"]);
    const { runId } = await stack.client.tasks.trigger("orphan", { n: 1 });
    const job = await stack.engine.resources.runsQueue.getJob(`${runId}-1`);
    expect(job!.data).toMatchObject({ runId, start: { fence: "1", attempt: 1, history: { payload: '{"n":1}', journal: [] } } });
    expect((await stack.client.runs.retrieve(runId)).status).toBe("queued");

    await expect(stack.engine.executions.writeJournal(runId, "0", 0, { kind: "step", stepId: "stale" })).rejects.toBeInstanceOf(ExecutionRefusedError);
    await stack.engine.executions.writeJournal(runId, "1", 0, { kind: "step", stepId: "a", value: 1 });
    const run = await stack.client.runs.retrieve(runId);
    expect(run).toMatchObject({ status: "running", attempt: 1 });
    expect((await stack.client.runs.events(runId)).data.map((e) => e.type)).toEqual(["triggered", "started"]);
  });

  it("a claimed run shows running while its code awaits something that is not Helmr's", async () => {
    stack = await startStack();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await stack.startWorker({ tasks: [task({ id: "gated", run: async () => (await gate, "through") })] });
    const { runId } = await stack.client.tasks.trigger("gated");
    // Its begin-write went out because the code was still awaiting after its first turn.
    await eventually(async () => (await stack.client.runs.retrieve(runId)).status === "running");
    expect((await stack.client.runs.events(runId)).data.map((e) => e.type)).toEqual(["triggered", "started"]);
    release();
    await eventually(async () => (await stack.client.runs.retrieve(runId)).status === "completed");
  });

  it("a resumed run's job carries the resolved wait, and its journal and payload only while they are small", async () => {
    stack = await startStack();
    const reply = streams.input<string>("reply");
    const echo = task({ id: "echo-size", run: async (payload: { text: string }) => `${await reply.wait().unwrap()} ${payload.text.length}` });
    await stack.engine.tasks.register(["echo-size"]);
    const { redis, keys, runsQueuesOf } = stack.engine.resources;
    // On the runs queue of the run's version (the worker's that started it).
    const expectedJob = async (runId: string) => {
      const [jobId, version] = await redis.hmget(keys.run(runId), "job", "ver");
      return (await runsQueuesOf(version ?? "")[0].getJob(jobId!))!;
    };

    for (const text of ["small", "x".repeat(20_000)]) {
      const { runId, sessionId } = await stack.engine.runs.trigger("echo-size", { payload: { text } });
      const worker = await stack.startWorker({ tasks: [echo] });
      await eventually(async () => (await stack.client.runs.retrieve(runId)).status === "waiting");
      await worker.close();

      const parkedWith = Number(await redis.hget(keys.run(runId), "fence"));
      expect(await stack.engine.streams.deliver(sessionId, "reply", "answer")).toMatchObject({ status: "resumed", runId });
      const job = await expectedJob(runId);
      // Claimed either way: the fence after the first execution's, and the wait's result as the code sees it.
      expect(job.data.start).toMatchObject({ fence: String(parkedWith + 1), attempt: 1, resumed: { position: 0 } });
      expect(JSON.parse(job.data.start.resumed.result)).toMatchObject({ ok: true, output: "answer" });
      if (text === "small") {
        // The journal holds the wait and its result: a short input inline (a longer one by its entry id).
        expect(job.data.start.history.journal.join("")).toBe('0 {"k":"input","n":"reply"}\nr0 ="answer"\n');
      } else {
        // Over 16 KB of journal and payload: the worker reads them itself.
        expect(job.data.start.history).toBeUndefined();
      }
      // Closed at the end, so the next round's run parks in that round's own worker.
      const finisher = await stack.startWorker({ tasks: [echo] });
      expect(
        (
          await eventually(async () => {
            const run = await stack.client.runs.retrieve(runId);
            return run.status === "completed" && run;
          })
        ).output,
      ).toBe(`answer ${text.length}`);
      await finisher.close();
    }
  });

  it("a claimed job handed out again starts the usual way, counts the claimed execution as lost, and fences it out", async () => {
    stack = await startStack();
    await stack.engine.tasks.register(["orphan"]);
    const { runId } = await stack.client.tasks.trigger("orphan");
    const again = await stack.engine.executions.start(runId, `${runId}-1`, 3, true);
    expect(again).toMatchObject({ status: "run", fence: "2", attempt: 2 });
    await expect(stack.engine.executions.writeJournal(runId, "1", 0, { kind: "step", stepId: "stale" })).rejects.toBeInstanceOf(ExecutionRefusedError);
    await stack.engine.executions.complete(runId, "2", JSON.stringify("done"));
    expect(await stack.client.runs.retrieve(runId)).toMatchObject({ status: "completed", attempt: 2, output: "done" });
    const events = (await stack.client.runs.events(runId)).data;
    expect(events.map((e) => [e.type, e.attempt])).toEqual([
      ["triggered", 1],
      ["retried", 2],
      ["started", 2],
      ["completed", 2],
    ]);
    expect(events[1].detail).toEqual({ reason: "worker lost" });

    // A job added without the claim (by the outbox sweeper) starts as a first attempt.
    const { runId: swept } = await stack.client.tasks.trigger("orphan");
    expect(await stack.engine.executions.start(swept, `${swept}-1`, 3, false)).toMatchObject({ status: "run", fence: "2", attempt: 1 });
  });

  it("tells a stale job which job the run expects instead, and on which version's queue", async () => {
    stack = await startStack();
    await stack.engine.tasks.register(["orphan"]);
    const { runId } = await stack.client.tasks.trigger("orphan");
    expect(await stack.engine.executions.start(runId, `${runId}-7`, 3)).toEqual({
      status: "stale",
      runStatus: "queued",
      expectedJob: `${runId}-1`,
      runAt: 0,
      version: "",
    });
    await stack.engine.versions.started("v2");
    const { runId: versioned } = await stack.engine.runs.trigger("orphan", {}, Date.now(), { version: "v2" });
    expect(await stack.engine.executions.start(versioned, `${versioned}-7`, 3)).toMatchObject({ status: "stale", version: "v2" });
  });
});

describe("jobs without a run", () => {
  it("drops a runs-queue job whose run does not exist instead of retrying it", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [task({ id: "ghost", run: async () => "never" })] });
    const ghost = "run_0000000000000000_0000000000000000";
    await stack.engine.dispatch.ensureJob({ runId: ghost, taskId: "ghost" }, `${ghost}-1`, 0);
    await eventually(async () => {
      const counts = await stack.engine.resources.runsQueue.getJobCounts("waiting", "active", "delayed", "failed");
      return counts.waiting + counts.active + counts.delayed + counts.failed === 0;
    });
  });

  it("starts a job whose claim this version cannot read (one an older version queued) the usual way", async () => {
    stack = await startStack();
    await stack.engine.tasks.register(["legacy"]);
    const { runId } = await stack.client.tasks.trigger("legacy", { n: 1 });
    const job = await stack.engine.resources.runsQueue.getJob(`${runId}-1`);
    // A claim in 0.1's shape: payload and journal at its top level.
    await job!.updateData({ runId, taskId: "legacy", start: { fence: "1", attempt: 1, payload: '{"n":1}', activeMs: 0, journal: [] } });
    await stack.startWorker({ tasks: [task({ id: "legacy", run: async (payload: { n: number }) => payload.n + 1 })] });
    const run = await eventually(async () => {
      const current = await stack.client.runs.retrieve(runId);
      return current.status === "completed" && current;
    });
    expect(run).toMatchObject({ output: 2, attempt: 1 });
  });
});
