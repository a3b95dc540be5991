import { describe, it } from "vitest";
import { runReaches, runReachesWithin } from "../harness/runs.ts";
import { scenario, type RacingWorker } from "../harness/racing-worker.ts";
import type { TestStack } from "../harness/stack.ts";

/**
 * A worker SIGKILLed at each point where a warm resume's job could be lost with it
 * (racepoints.ts): the run resumes within the documented recovery time (README, "When a
 * process dies": a dead worker's heartbeat runs out after 10 s, its job locks after
 * HELMR_LOCK_MS, the outbox is swept after 5 s), with its own input, once.
 */
const RECOVERY_MS = 10_000 + 1_000 + 5_000 + 10_000;

/** Triggers a run, parks it on its input, and returns it with the worker that keeps it warm. */
async function parkedWarm(stack: TestStack, corr: string) {
  const run = await stack.client.tasks.trigger("await-decision", { corr });
  await runReaches(stack.client, run.runId, "waiting");
  const warm = await stack.engine.resources.redis.hget(stack.engine.resources.keys.run(run.runId), "warm");
  return { ...run, warm };
}

const send = (stack: TestStack, sessionId: string, corr: string) =>
  stack.client.sessions.open(sessionId).input("decision").send(`yes ${corr}`, { correlationId: corr });

describe.concurrent("a worker killed where a warm resume could be lost", { timeout: 90_000 }, () => {
  it("dies with the resume just added to its own queue: another worker rescues it and resumes the run", async ({ expect, onTestFinished }) => {
    const test = scenario(onTestFinished);
    const workers = new Map<string, RacingWorker>();
    const stack = await test.start({
      hooks: {
        // The moment the API has put the resume into the warm worker's queue, that worker dies.
        racepoint: async (point, { warmWorker }) => {
          if (point === "dispatch.warmJobAdded" && warmWorker) await workers.get(warmWorker)?.kill();
        },
      },
    });
    const first = await test.worker();
    workers.set(first.workerId, first);
    const run = await parkedWarm(stack, "a");
    expect(run.warm).toBe(first.workerId);
    const second = await test.worker();
    await send(stack, run.sessionId, "a");
    await first.exited;
    expect((await runReachesWithin(RECOVERY_MS, stack.client, run.runId, "completed")).output).toBe("yes a");
    expect(second.pid).not.toBe(first.pid);
  });

  it("dies having taken the resume from its own queue: the job is rescued as a redelivery and the run resumes", async ({ expect, onTestFinished }) => {
    const test = scenario(onTestFinished);
    const stack = await test.start();
    const dying = await test.worker({ DIE_AT: "worker.jobTaken", DIE_ONLY_WARM: "1" });
    const run = await parkedWarm(stack, "b");
    expect(run.warm).toBe(dying.workerId);
    await test.worker();
    await send(stack, run.sessionId, "b");
    await dying.exited;
    const ended = await runReachesWithin(RECOVERY_MS, stack.client, run.runId, "completed");
    // The claim the dead worker took counts as an attempt, as a BullMQ redelivery's does.
    expect(ended).toMatchObject({ output: "yes b", attempt: 2 });
  });

  it("a rescuer dies between taking the job off a dead worker's queue and adding it to the shared one: the outbox brings it back", async ({
    expect,
    onTestFinished,
  }) => {
    const test = scenario(onTestFinished);
    const stack = await test.start();
    const holder = await test.worker();
    const run = await parkedWarm(stack, "c");
    expect(run.warm).toBe(holder.workerId);
    const rescuer = await test.worker({ DIE_AT: "rescue.jobRemoved" });
    await holder.kill();
    // The resume goes to the dead holder's queue (its heartbeat still runs); the rescuer takes it off and dies.
    await send(stack, run.sessionId, "c");
    await rescuer.exited;
    expect((await stack.client.runs.retrieve(run.runId)).status).toBe("queued");
    await test.worker();
    expect((await runReachesWithin(RECOVERY_MS, stack.client, run.runId, "completed")).output).toBe("yes c");
  });
});
