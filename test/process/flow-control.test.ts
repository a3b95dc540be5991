import type { RunRecord, TaskRecord } from "@helmr/core";
import { describe, expect, it } from "vitest";
import { helmr } from "../harness/cli.ts";
import { eventually } from "../harness/poll.ts";
import { startServerProcess, startedPerTest } from "../harness/processes.ts";
import { runReachesWithin } from "../harness/runs.ts";

/** Flow control as a team runs it: `helmr server`, `helmr worker` processes, `helmr task` commands. */
const start = startedPerTest();
const FIXTURE = "test/fixtures/flow/tasks.ts";

/** The most runs that were executing at one moment, from their start and end times. */
function mostAtOnce(runs: RunRecord[]): number {
  const edges = runs.flatMap((run) => [
    { at: Date.parse(run.startedAt!), step: 1 },
    { at: Date.parse(run.finishedAt!), step: -1 },
  ]);
  // An end and a start at the same millisecond: the end first (the slot went, then came back).
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (now += edge.step));
  return most;
}

describe("flow control across worker processes", { timeout: 120_000 }, () => {
  it("holds a task to its limit across two workers, uses all of it, takes a new limit from `helmr task limits`, and `helmr task trigger`'s flow and delay flags", async () => {
    const { env, baseUrl, client } = await startServerProcess(start);
    const workers = [start(["worker", FIXTURE, "--json", "--concurrency", "10"], env), start(["worker", FIXTURE, "--json", "--concurrency", "10"], env)];
    for (const worker of workers) await worker.json(30_000);
    const runs = await Promise.all(Array.from({ length: 15 }, () => client.tasks.trigger("flow-limited", { ms: 200 })));
    const ended = [];
    for (const { runId } of runs) ended.push(await runReachesWithin(30_000, client, runId, "completed"));
    expect(mostAtOnce(ended)).toBe(3);
    expect(new Set(ended.map((run) => run.output)).size).toBe(2);

    const cli = { HELMR_API_URL: baseUrl, HELMR_API_KEY: env.HELMR_API_KEYS };
    const set = await helmr(["task", "limits", "flow-limited", "--concurrency", "5", "--json"], cli);
    expect(set.code, set.stderr).toBe(0);
    expect((JSON.parse(set.stdout) as TaskRecord).limits).toMatchObject({ inForce: { concurrency: { limit: 5 } }, code: { concurrency: { limit: 3 } } });
    const more = await Promise.all(Array.from({ length: 15 }, () => client.tasks.trigger("flow-limited", { ms: 200 })));
    const endedMore = [];
    for (const { runId } of more) endedMore.push(await runReachesWithin(30_000, client, runId, "completed"));
    expect(mostAtOnce(endedMore)).toBe(5);

    const shown = await helmr(["task", "get", "flow-limited"], cli);
    expect(shown.stdout).toMatch(/limits:\s+5 at once/);
    expect(shown.stdout).toMatch(/from code:\s+3 at once/);
    const bad = await helmr(["task", "limits", "flow-limited", "--concurrency", "0"], cli);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--concurrency takes a whole number of at least 1, or "none"');

    // A trigger's flow options from the CLI: its key and priority, and a debounce.
    const trigger = (...flags: string[]) => helmr(["task", "trigger", "flow-limited", "--payload", '{"ms":1}', "--json", ...flags], cli);
    const keyed = await trigger("--concurrency-key", "acme", "--priority", "5");
    expect(keyed.code, keyed.stderr).toBe(0);
    expect(await client.runs.retrieve(JSON.parse(keyed.stdout).runId)).toMatchObject({ concurrencyKey: "acme", priority: 5 });
    // A delay longer than two CLI processes take to start: the second trigger comes within it.
    const debounced = [await trigger("--debounce-key", "doc-1", "--debounce-delay", "1m"), await trigger("--debounce-key", "doc-1", "--debounce-delay", "1m")];
    const [first, second] = debounced.map((result) => JSON.parse(result.stdout) as { runId: string; deduplicated: boolean });
    expect(second).toMatchObject({ runId: first.runId, deduplicated: true });
    expect((await client.runs.retrieve(first.runId)).status).toBe("delayed");
    const delayed = await trigger("--delay", "1h");
    expect(delayed.code, delayed.stderr).toBe(0);
    expect((await client.runs.retrieve(JSON.parse(delayed.stdout).runId)).status).toBe("delayed");
  });

  it("holds two tasks to the limit they share across two workers, and takes a new one from `helmr limit`", async () => {
    const { env, baseUrl, client } = await startServerProcess(start);
    const workers = [start(["worker", FIXTURE, "--json", "--concurrency", "10"], env), start(["worker", FIXTURE, "--json", "--concurrency", "10"], env)];
    for (const worker of workers) await worker.json(30_000);
    const trigger = (taskId: string) => Promise.all(Array.from({ length: 6 }, () => client.tasks.trigger(taskId, { ms: 150 })));
    const runs = [...(await trigger("flow-summarize")), ...(await trigger("flow-translate"))];
    const ended = [];
    for (const { runId } of runs) ended.push(await runReachesWithin(30_000, client, runId, "completed"));
    expect(mostAtOnce(ended)).toBe(2);

    const cli = { HELMR_API_URL: baseUrl, HELMR_API_KEY: env.HELMR_API_KEYS };
    const set = await helmr(["limit", "flow-provider", "--concurrency", "4"], cli);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/in force:\s+4 at once/);
    expect(set.stdout).toMatch(/tasks:\s+flow-summarize, flow-translate/);
    const noPeriod = await helmr(["limit", "flow-provider", "--rate", "5"], cli);
    expect(noPeriod.code).toBe(2);
    expect(noPeriod.stderr).toContain('--rate needs --period, the window it counts starts in ("1s", "1m")');
    const more = [...(await trigger("flow-summarize")), ...(await trigger("flow-translate"))];
    const endedMore = [];
    for (const { runId } of more) endedMore.push(await runReachesWithin(30_000, client, runId, "completed"));
    expect(mostAtOnce(endedMore)).toBe(4);
  });

  it("gives back the slots of a worker killed with SIGKILL once its lock runs out, and every run completes; `--ttl` expires one that cannot start", async () => {
    const { env, baseUrl, client } = await startServerProcess(start);
    const lock = { HELMR_LOCK_MS: "2000" };
    const hanging = start(["worker", FIXTURE, "--json"], { ...env, ...lock, FLOW_HANG: "1" });
    await hanging.json(30_000);
    const held = await Promise.all(Array.from({ length: 2 }, () => client.tasks.trigger("flow-hangs", {})));
    await eventually(async () => (await client.tasks.retrieve("flow-hangs")).running === 2, { what: "both slots held by the hanging worker" });
    const queued = await Promise.all(Array.from({ length: 3 }, () => client.tasks.trigger("flow-hangs", {})));
    await eventually(async () => (await client.tasks.retrieve("flow-hangs")).queued === 3, { what: "three runs waiting for a slot" });
    // One with a ttl from the CLI: it cannot start while the slots are held, and expires.
    const cli = { HELMR_API_URL: baseUrl, HELMR_API_KEY: env.HELMR_API_KEYS };
    const short = await helmr(["task", "trigger", "flow-hangs", "--ttl", "1s", "--json"], cli);
    expect(short.code, short.stderr).toBe(0);
    expect(await runReachesWithin(30_000, client, JSON.parse(short.stdout).runId, "expired")).toMatchObject({ error: { name: "RunExpiredError" } });

    const healthy = start(["worker", FIXTURE, "--json"], { ...env, ...lock });
    const { pid } = await healthy.json<{ pid: number }>(30_000);
    hanging.child.kill("SIGKILL");
    await hanging.exited;
    for (const { runId } of queued) expect((await runReachesWithin(30_000, client, runId, "completed")).output).toBe(pid);
    // The runs the killed worker held are taken over as their next attempt.
    for (const { runId } of held) expect(await runReachesWithin(30_000, client, runId, "completed")).toMatchObject({ output: pid, attempt: 2 });
    const after = await client.tasks.retrieve("flow-hangs");
    expect(after).toMatchObject({ running: 0, queued: 0 });
    // The three that queued, and the two retried ones if their slots had gone to those first.
    expect(after.throttledTotal).toBeGreaterThanOrEqual(3);
  });
});
