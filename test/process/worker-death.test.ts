import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { REPO } from "../harness/processes.ts";
import { runReaches, runReachesWithin } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

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

let stack: TestStack;
const started: RacingWorker[] = [];
afterEach(async () => {
  for (const worker of started.splice(0)) await worker.kill();
  await stack?.close();
});

async function startRacingWorker(env: Record<string, string> = {}): Promise<RacingWorker> {
  const child = spawn(process.execPath, ["--conditions=@helmr/source", "--import", "tsx", "test/fixtures/racing-worker.ts"], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", HELMR_LOG_LEVEL: "warn", HELMR_REDIS_URL: stack.redisUrl, HELMR_PREFIX: stack.prefix, HELMR_SECRET: stack.secret, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const facts = await eventually(() => (out.includes("\n") ? (JSON.parse(out.split("\n")[0]) as { pid: number; workerId: string }) : undefined), { timeoutMs: 30_000, what: "the racing worker to start" });
  const worker: RacingWorker = {
    ...facts,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  started.push(worker);
  return worker;
}

/** Triggers a run, parks it on its input, and returns it with the worker that keeps it warm. */
async function parkedWarm(corr: string) {
  const run = await stack.client.tasks.trigger("await-decision", { corr });
  await runReaches(stack.client, run.runId, "waiting");
  const warm = await stack.engine.resources.redis.hget(stack.engine.resources.keys.run(run.runId), "warm");
  return { ...run, warm };
}

const send = (sessionId: string, corr: string) => stack.client.sessions.open(sessionId).input("decision").send(`yes ${corr}`, { correlationId: corr });

describe("a worker killed where a warm resume could be lost", { timeout: 90_000 }, () => {
  it("dies with the resume just added to its own queue: another worker rescues it and resumes the run", async () => {
    const workers = new Map<string, RacingWorker>();
    stack = await startStack({
      hooks: {
        // The moment the API has put the resume into the warm worker's queue, that worker dies.
        racepoint: async (point, { warmWorker }) => {
          if (point === "dispatch.warmJobAdded" && warmWorker) await workers.get(warmWorker)?.kill();
        },
      },
    });
    const first = await startRacingWorker();
    workers.set(first.workerId, first);
    const run = await parkedWarm("a");
    expect(run.warm).toBe(first.workerId);
    const second = await startRacingWorker();
    await send(run.sessionId, "a");
    await first.exited;
    expect((await runReachesWithin(RECOVERY_MS, stack.client, run.runId, "completed")).output).toBe("yes a");
    expect(second.pid).not.toBe(first.pid);
  });

  it("dies having taken the resume from its own queue: the job is rescued as a redelivery and the run resumes", async () => {
    stack = await startStack();
    const dying = await startRacingWorker({ DIE_AT: "worker.jobTaken", DIE_ONLY_WARM: "1" });
    const run = await parkedWarm("b");
    expect(run.warm).toBe(dying.workerId);
    await startRacingWorker();
    await send(run.sessionId, "b");
    await dying.exited;
    const ended = await runReachesWithin(RECOVERY_MS, stack.client, run.runId, "completed");
    // The claim the dead worker took counts as an attempt, as a BullMQ redelivery's does.
    expect(ended).toMatchObject({ output: "yes b", attempt: 2 });
  });

  it("a rescuer dies between taking the job off a dead worker's queue and adding it to the shared one: the outbox brings it back", async () => {
    stack = await startStack();
    const holder = await startRacingWorker();
    const run = await parkedWarm("c");
    expect(run.warm).toBe(holder.workerId);
    const rescuer = await startRacingWorker({ DIE_AT: "rescue.jobRemoved" });
    await holder.kill();
    // The resume goes to the dead holder's queue (its heartbeat still runs); the rescuer takes it off and dies.
    await send(run.sessionId, "c");
    await rescuer.exited;
    expect((await stack.client.runs.retrieve(run.runId)).status).toBe("queued");
    await startRacingWorker();
    expect((await runReachesWithin(RECOVERY_MS, stack.client, run.runId, "completed")).output).toBe("yes c");
  });
});
