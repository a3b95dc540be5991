import { step, streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const reply = streams.input<string>("reply");
let executions = 0;
const echo = task({
  id: "batched-echo",
  run: async () => {
    executions++;
    const text = await reply.wait().unwrap();
    return step.run("echo", () => `echo: ${text}`);
  },
});

/** Holds its worker's one slot until the test lets it go. */
let unblock: () => void = () => {};
const blocker = task({
  id: "hand-off-blocker",
  run: async () => step.run("held", () => new Promise<string>((resolve) => (unblock = () => resolve("let go")))),
});
const quick = task({ id: "hand-off-quick", run: async (p: { n: number }) => p.n * 2 });

describe("several resumes per BullMQ job under load", () => {
  it("sends the resumes due while an add is on its way as one batch job, whose runs each resume once", async () => {
    // The first add is held at its racepoint until every other resume waits behind it.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let adds = 0;
    let waiting = 0;
    let holding = false;
    stack = await startStack({
      hooks: {
        racepoint: async (point) => {
          if (point === "dispatch.jobWaits") waiting++;
          if (point === "dispatch.addGoing" && adds++ === 0 && holding) await held;
        },
      },
    });
    executions = 0;
    const worker = await stack.startWorker({ tasks: [echo] });
    const runs = await Promise.all(Array.from({ length: 12 }, () => stack.engine.runs.trigger("batched-echo", { payload: {} })));
    for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");
    // With no worker taking jobs, what the deliveries dispatched stays in the queue to look at.
    await worker.close();
    holding = true;
    // Counted afresh: the triggers above may have waited for each other's adds too.
    adds = 0;
    waiting = 0;
    const delivered = Promise.all(runs.map(({ sessionId }, i) => stack.engine.streams.deliver(sessionId, "reply", `m${i}`)));
    await eventually(() => waiting === runs.length - 1, { what: "every resume but the first to wait for the first one's add" });
    release();
    await delivered;

    const jobs = await stack.engine.resources.runsQueuesOf(worker.version)[0].getJobs(["waiting"]);
    const batches = jobs.filter((job) => "batch" in job.data);
    // The first run's job alone, then the eleven that waited for it in one batch.
    expect(jobs.length).toBe(2);
    expect(batches.map((job) => job.data.batch.length)).toEqual([runs.length - 1]);
    // Every run's job is there exactly once, under the id its run's state names.
    const entries = jobs.flatMap((job) => ("batch" in job.data ? job.data.batch : [{ runId: job.data.runId, jobId: job.id }]));
    const { redis, keys } = stack.engine.resources;
    expect(entries.map((e: { runId: string }) => e.runId).sort()).toEqual(runs.map((r) => r.runId).sort());
    for (const entry of entries as { runId: string; jobId: string }[]) expect(await redis.hget(keys.run(entry.runId), "job")).toBe(entry.jobId);

    await stack.startWorker({ tasks: [echo] });
    for (const [i, { runId }] of runs.entries()) expect((await runReaches(stack.client, runId, "completed")).output).toBe(`echo: m${i}`);
    // Each run replayed once in the second worker (the first one was closed): no resume ran twice.
    expect(executions).toBe(2 * runs.length);
  });

  it("with warm resume off, a worker hands a task it does not host to the own queue of one that does, which runs it while its shared slots are busy", async () => {
    stack = await startStack();
    // The host's one shared-queue slot is held by the blocker; only its own queue is free.
    await stack.startWorker({ tasks: [blocker, quick], warmRuns: 0, concurrency: 1 });
    const held = await stack.client.tasks.trigger("hand-off-blocker");
    await runReaches(stack.client, held.runId, "running");
    // A worker of another task takes the quick runs from the shared queue and must hand them on.
    await stack.startWorker({ tasks: [task({ id: "hand-off-other", run: async () => "other" })], warmRuns: 0 });
    const runs = await Promise.all([1, 2, 3].map((n) => stack.client.tasks.trigger("hand-off-quick", { n })));
    for (const [i, { runId }] of runs.entries()) expect((await runReaches(stack.client, runId, "completed")).output).toBe((i + 1) * 2);
    expect((await stack.client.runs.retrieve(held.runId)).status).toBe("running");
    unblock();
    expect((await runReaches(stack.client, held.runId, "completed")).output).toBe("let go");
  });

  it("hands a batch of another task's runs on to a worker that hosts it", async () => {
    stack = await startStack();
    executions = 0;
    const first = await stack.startWorker({ tasks: [echo] });
    const runs = await Promise.all(Array.from({ length: 6 }, () => stack.engine.runs.trigger("batched-echo", { payload: {} })));
    for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");
    await first.close();
    await Promise.all(runs.map(({ sessionId }, i) => stack.engine.streams.deliver(sessionId, "reply", `m${i}`)));
    // A worker without the task puts the batch back; the one with it runs every run once.
    await stack.startWorker({ tasks: [task({ id: "unrelated", run: async () => "no" })] });
    await stack.startWorker({ tasks: [echo] });
    for (const [i, { runId }] of runs.entries()) expect((await runReaches(stack.client, runId, "completed")).output).toBe(`echo: m${i}`);
    expect(executions).toBe(2 * runs.length);
  });
});
