import { afterEach, describe, expect, it } from "vitest";
import { fixtureLogFile as logFile, readFixtureLog as readLog } from "../harness/fixture-log.ts";
import { eventually } from "../harness/poll.ts";
import { runReaches, runReachesWithin } from "../harness/runs.ts";
import { type HelmrProcess, startFixtureWorker } from "../harness/processes.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
const processes: HelmrProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await stack?.close();
});

async function startWorkerProcess(file: string, env: Record<string, string> = {}) {
  const worker = startFixtureWorker(stack, processes, file, env);
  const { pid } = await worker.json<{ pid: number }>();
  return { worker, pid };
}

async function send(sessionId: string, text: string) {
  await stack.client.sessions.open(sessionId).input("message").send(text);
}

describe("warm resume falls back to replay in another worker", { timeout: 60_000 }, () => {
  it("when the worker that keeps the run was killed with SIGKILL", async () => {
    stack = await startStack();
    const file = logFile();
    const first = await startWorkerProcess(file);
    const { runId, sessionId } = await stack.client.tasks.trigger("chat", { turns: 2 });
    await runReaches(stack.client, runId, "waiting");
    await send(sessionId, "one");
    await eventually(async () => (await stack.client.runs.events(runId)).data.filter((e) => e.type === "parked").length === 2);
    first.worker.child.kill("SIGKILL");
    await first.worker.exited;

    const second = await startWorkerProcess(file);
    await send(sessionId, "two");
    // Sent to the killed worker's queue, and moved once its heartbeat ran out.
    const run = await runReachesWithin(30_000, stack.client, runId, "completed");
    expect(run.output).toEqual([`one pid=${first.pid}`, `two pid=${second.pid}`]);
    // The first worker continued its turn warm; the second replayed the journal.
    expect(readLog(file)).toEqual([`executing ${runId} pid=${first.pid}`, `executing ${runId} pid=${second.pid}`]);
  });

  it("when the worker that keeps the run is too busy to take its resume within the deadline", async () => {
    stack = await startStack();
    const file = logFile();
    const busy = await startWorkerProcess(file);
    const { runId, sessionId } = await stack.client.tasks.trigger("chat", { turns: 1 });
    await runReaches(stack.client, runId, "waiting");
    const other = await startWorkerProcess(file, { FIXTURE_NO_SPIN: "1" });
    await stack.client.tasks.trigger("spin", { ms: 15_000 });
    await eventually(() => readLog(file).includes(`spinning pid=${busy.pid}`));

    await send(sessionId, "hello");
    const run = await runReachesWithin(12_000, stack.client, runId, "completed");
    expect(run.output).toEqual([`hello pid=${other.pid}`]);
    // Resumed elsewhere while the busy worker still spins, and still counts as alive.
    expect(readLog(file)).not.toContain(`spun pid=${busy.pid}`);
    const { redis, keys } = stack.engine.resources;
    const heartbeats = await redis.zrange(keys.workers(), 0, -1, "WITHSCORES");
    expect(heartbeats.filter((_, i) => i % 2 === 1 && Number(heartbeats[i]) > Date.now())).toHaveLength(2);
  });

  it("when the worker that keeps the run stops (SIGTERM) as the input arrives", async () => {
    stack = await startStack();
    const file = logFile();
    const keeper = await startWorkerProcess(file);
    const { runId, sessionId } = await stack.client.tasks.trigger("chat", { turns: 1 });
    await runReaches(stack.client, runId, "waiting");
    const other = await startWorkerProcess(file);
    keeper.worker.child.kill("SIGTERM");
    await keeper.worker.exited;
    await send(sessionId, "after");
    const run = await runReaches(stack.client, runId, "completed");
    expect(run.output).toEqual([`after pid=${other.pid}`]);
    expect(readLog(file)).toEqual([`executing ${runId} pid=${keeper.pid}`, `executing ${runId} pid=${other.pid}`]);
  });
});
