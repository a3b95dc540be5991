import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { spawnHelmr, type HelmrProcess } from "../harness/processes.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
const processes: HelmrProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await stack?.close();
});

/** A silent worker's jobs are taken over after this (HELMR_LOCK_MS), and its heartbeat lasts 10 s. */
const LOCK_MS = 1_000;
const RUNS = Number(process.env.CHAOS_RUNS ?? 160);
const KILL_EVERY_MS = Number(process.env.CHAOS_KILL_MS ?? 1_500);
const KILLING_FOR_MS = Number(process.env.CHAOS_FOR_MS ?? 15_000);

function startWorker(): HelmrProcess {
  const worker = spawnHelmr(["worker", "test/fixtures/tasks.ts", "--json"], {
    HELMR_REDIS_URL: stack.redisUrl,
    HELMR_PREFIX: stack.prefix,
    HELMR_LOCK_MS: String(LOCK_MS),
  });
  processes.push(worker);
  return worker;
}

describe("workers killed in a loop while inputs arrive", { timeout: 150_000 }, () => {
  it("every input's run resumes and ends: no resume is lost with the worker that held it", async () => {
    stack = await startStack();
    const workers = [startWorker(), startWorker()];
    await Promise.all(workers.map((w) => w.json()));

    // Half the runs share one session (one hash tag, one stream), the other half have one each.
    const shared = await stack.client.sessions.create();
    const runs: { runId: string; sessionId: string; corr: string }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const corr = `c${i}`;
      const { runId, sessionId } = await stack.client.tasks.trigger("await-decision", { corr }, i % 2 ? { sessionId: shared.id } : {});
      runs.push({ runId, sessionId, corr });
    }
    await eventually(async () => (await Promise.all(runs.map((r) => stack.client.runs.retrieve(r.runId)))).every((r) => r.status === "waiting"), { timeoutMs: 30_000, what: "every run parked" });

    // Inputs go out spread over the killing, one worker SIGKILLed and replaced every KILL_EVERY_MS.
    let killing = true;
    const killer = (async () => {
      for (let round = 0; killing; round++) {
        await new Promise((r) => setTimeout(r, KILL_EVERY_MS));
        const at = round % workers.length;
        workers[at].child.kill("SIGKILL");
        await workers[at].exited;
        workers[at] = startWorker();
      }
    })();
    const gap = KILLING_FOR_MS / RUNS;
    for (const run of runs) {
      await stack.client.sessions.open(run.sessionId).input("decision").send(`yes ${run.corr}`, { correlationId: run.corr });
      await new Promise((r) => setTimeout(r, gap));
    }
    killing = false;
    await killer;
    await Promise.all(workers.map((w) => w.json()));

    // Recovery: a dead worker's heartbeat runs out after 10 s, its locks after LOCK_MS, the outbox grace is 5 s.
    const ended = await eventually(
      async () => {
        const records = await Promise.all(runs.map((r) => stack.client.runs.retrieve(r.runId)));
        const open = records.filter((r) => r.status !== "completed");
        return open.length === 0 ? records : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: "every run completed" },
    ).catch(async (error) => {
      const open = (await Promise.all(runs.map((r) => stack.client.runs.retrieve(r.runId)))).filter((r) => r.status !== "completed");
      throw new Error(`${open.length} of ${RUNS} runs never ended: ${JSON.stringify(open.slice(0, 3).map((r) => ({ id: r.id, status: r.status })))}; ${(error as Error).message}`);
    });
    for (const [i, record] of ended.entries()) expect(record.output).toBe(`yes ${runs[i].corr}`);
  });
});
