import { afterEach, describe, expect, it } from "vitest";
import { fixtureLogFile as logFile, readFixtureLog as readLog } from "../harness/fixture-log.ts";
import { eventually } from "../harness/poll.ts";
import { runReachesWithin } from "../harness/runs.ts";
import { spawnHelmr, startFixtureWorker, type HelmrProcess } from "../harness/processes.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
const processes: HelmrProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await stack?.close();
});

const startWorkerProcess = (file: string) => startFixtureWorker(stack, processes, file, { HELMR_LOCK_MS: "1000" });

describe("worker processes killed with SIGKILL lose nothing", { timeout: 90_000 }, () => {
  it("a run parked on a timer resumes in a new worker after the old one was killed", async () => {
    stack = await startStack();
    const file = logFile();
    const first = startWorkerProcess(file);
    const { pid: firstPid } = await first.json<{ pid: number }>();
    const { runId } = await stack.client.tasks.trigger("nap", { ms: 1500 });
    await eventually(async () => (await stack.client.runs.retrieve(runId)).status === "waiting");
    first.child.kill("SIGKILL");
    await first.exited;

    const second = startWorkerProcess(file);
    const { pid: secondPid } = await second.json<{ pid: number }>();
    const run = await runReachesWithin(15_000, stack.client, runId, "completed");
    expect(run.output).toEqual({ resumedBy: secondPid });
    expect(readLog(file)).toEqual([`before ${runId} pid=${firstPid}`, `after ${runId} pid=${secondPid}`]);
  });

  it("a run whose worker was killed mid-execution is picked up again as the next attempt", async () => {
    stack = await startStack();
    const file = logFile();
    const first = startWorkerProcess(file);
    const { pid: firstPid } = await first.json<{ pid: number }>();
    const { runId } = await stack.client.tasks.trigger("hangs-once");
    await eventually(() => readLog(file).length === 1);
    // The kill must come after the step's result is journaled (position 0), not merely
    // after its side effect: the test is about a journaled step not running twice.
    await eventually(async () => (await stack.engine.executions.journal(runId)).has("0"));
    first.child.kill("SIGKILL");
    await first.exited;

    const second = startWorkerProcess(file);
    const { pid: secondPid } = await second.json<{ pid: number }>();
    const run = await runReachesWithin(20_000, stack.client, runId, "completed");
    expect(run).toMatchObject({ attempt: 2, output: { finishedBy: secondPid, attempt: 2 } });
    // The step of attempt 1 was journaled, so attempt 2 replayed it instead of running it again.
    expect(readLog(file)).toEqual([`started attempt=1 pid=${firstPid}`]);
    const types = (await stack.client.runs.events(runId)).data.map((e) => e.type);
    expect(types).toEqual(["triggered", "started", "retried", "started", "completed"]);
  });

  it("a parent whose worker was killed mid-trigger replays into the same child, and no second one is created", async () => {
    stack = await startStack();
    const file = logFile();
    const first = startWorkerProcess(file);
    await first.json();
    const { runId, sessionId } = await stack.client.tasks.trigger("crash-parent", { n: 1 });
    // The parent journals its child's id, then its worker is held (test/fixtures/tasks.ts) before creating the child.
    const { redis, keys } = stack.engine.resources;
    const childRunId = await eventually(async () => /"k":"child","n":"(run_[^"]+)"/.exec((await redis.hget(keys.run(runId), "j")) ?? "")?.[1], {
      what: "the child's id in the parent's journal",
    });
    await eventually(() => readLog(file).length === 1);
    first.child.kill("SIGKILL");
    await first.exited;
    expect((await stack.client.runs.list({ session: sessionId })).data.map((r) => r.id)).toEqual([runId]);

    const second = startWorkerProcess(file);
    await second.json();
    const run = await runReachesWithin(20_000, stack.client, runId, "completed");
    expect(run).toMatchObject({ attempt: 2, output: { got: 2, attempt: 2 } });
    const runs = (await stack.client.runs.list({ session: sessionId })).data;
    expect(runs.map((r) => r.id).sort()).toEqual([runId, childRunId].sort());
    expect((await stack.client.runs.retrieve(childRunId)).parentRunId).toBe(runId);
  });

  it("a worker stopped with SIGTERM hands its running run back for another worker", async () => {
    stack = await startStack();
    const file = logFile();
    const first = spawnHelmr(["worker", "test/fixtures/tasks.ts", "--json"], {
      HELMR_REDIS_URL: stack.redisUrl,
      HELMR_PREFIX: stack.prefix,
      HELMR_SHUTDOWN_GRACE_MS: "200",
      FIXTURE_LOG: file,
    });
    processes.push(first);
    await first.json();
    const { runId } = await stack.client.tasks.trigger("hangs-once");
    await eventually(() => readLog(file).length === 1);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const handedBack = await stack.client.runs.retrieve(runId);
    expect(handedBack).toMatchObject({ status: "queued", attempt: 1 });
  });
});
