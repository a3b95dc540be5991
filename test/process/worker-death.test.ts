import { spawn } from "node:child_process";
import { describe, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { REPO } from "../harness/processes.ts";
import { runReaches, runReachesWithin } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";
import { startWebhookReceiver } from "../harness/webhook-receiver.ts";
import { crashChild } from "../fixtures/tasks.ts";

/**
 * A worker SIGKILLed at each point where a warm resume's job could be lost with it
 * (racepoints.ts): the run resumes within the documented recovery time (README, "When a
 * process dies": a dead worker's heartbeat runs out after 10 s, its job locks after
 * HELMR_LOCK_MS, the outbox is swept after 5 s), with its own input, once.
 */
const RECOVERY_MS = 10_000 + 1_000 + 5_000 + 10_000;

interface RacingWorker {
  pid: number;
  workerId: string;
  exited: Promise<void>;
  kill(): Promise<void>;
}

/**
 * One test's stack and the worker processes it starts, closed when the test ends: the
 * tests run side by side (they spend most of their time waiting out a dead worker's
 * heartbeat and locks), so each keeps its own.
 */
function scenario(onTestFinished: (fn: () => Promise<void>) => void) {
  let stack!: TestStack;
  const started: RacingWorker[] = [];
  onTestFinished(async () => {
    for (const worker of started) await worker.kill();
    await stack?.close();
  });
  return {
    get stack() {
      return stack;
    },
    async start(options: Parameters<typeof startStack>[0] = {}) {
      stack = await startStack(options);
      return stack;
    },
    async worker(env: Record<string, string> = {}) {
      const worker = await startRacingWorker(stack, env);
      started.push(worker);
      return worker;
    },
  };
}

async function startRacingWorker(stack: TestStack, env: Record<string, string> = {}): Promise<RacingWorker> {
  const child = spawn(process.execPath, ["--conditions=@helmr/source", "--import", "tsx", "test/fixtures/racing-worker.ts"], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      HELMR_LOG_LEVEL: "warn",
      HELMR_REDIS_URL: stack.redisUrl,
      HELMR_PREFIX: stack.prefix,
      HELMR_SECRET: stack.secret,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const facts = await eventually(() => (out.includes("\n") ? (JSON.parse(out.split("\n")[0]) as { pid: number; workerId: string }) : undefined), {
    timeoutMs: 30_000,
    what: "the racing worker to start",
  });
  const worker: RacingWorker = {
    ...facts,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  return worker;
}

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

  it("dies after a run's end and before its webhook: the outbox sweeper sends it, once", async ({ expect, onTestFinished }) => {
    const test = scenario(onTestFinished);
    const receiver = await startWebhookReceiver();
    onTestFinished(() => receiver.close());
    const stack = await test.start();
    const { id } = await stack.client.webhooks.create({ url: receiver.url, events: ["run.completed"] });
    const dying = await test.worker({ DIE_AT: "webhooks.beforeEmit" });
    const run = await stack.client.tasks.trigger("crash-child", { n: 41 });
    await dying.exited;
    expect((await stack.client.runs.retrieve(run.runId)).status).toBe("completed");
    expect(receiver.received).toHaveLength(0);
    // Any live worker sweeps the outbox: the mark the dead one left is its end's event.
    await stack.startWorker({ tasks: [crashChild] });
    const outbox = stack.engine.resources.keys.outboxOf(`${run.runId}:hook`);
    await eventually(async () => (await stack.engine.resources.redis.zscore(outbox, `${run.runId}:hook`)) === null, {
      timeoutMs: RECOVERY_MS,
      what: "the sweeper to take the run's end mark",
    });
    await eventually(async () => (await stack.client.webhooks.retrieve(id)).deliveries.length === 1, { what: "the delivery" });
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(receiver.received[0].body)).toMatchObject({ type: "run.completed", data: { runId: run.runId, output: 42 } });
  });
});
