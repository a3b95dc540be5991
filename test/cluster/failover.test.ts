import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { masterOf, masters, redisClient } from "@helmr/broker";
import { startLocalCluster, type LocalCluster } from "@helmr/embedded-redis";
import { streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

const RUNS = 30;
const answer = streams.input<string>("failover-answer");
const waiter = task({ id: "failover-waiter", run: async () => answer.wait().unwrap() });

let cluster: LocalCluster | undefined;
let dir: string | undefined;
let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.close();
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  stack = cluster = dir = undefined;
});

/** Sends a run's input until the API answers other than a failover's refusals (503, a dropped connection), which are retried; that answer must be a 2xx. */
async function sendUntilAcknowledged(sessionId: string, data: string, deadline: number): Promise<void> {
  const answered = await eventually(
    async () => {
      const response = await stack!.http("POST", `/api/v1/sessions/${sessionId}/input/failover-answer`, { body: { data } }).catch(() => null);
      return response !== null && response.status < 500 && response;
    },
    { timeoutMs: deadline - Date.now(), intervalMs: 100, what: `the input to ${sessionId} to be acknowledged` },
  );
  if (answered.status >= 300) throw new Error(`input refused: ${answered.status} ${JSON.stringify(answered.body)}`);
}

/**
 * Runs parked across every master, inputs being sent to them, and one master killed with
 * SIGKILL on the way: its replica takes over. Returns, per run, whether its acknowledged
 * input was lost (the run still waits, its input stream empty) or it completed, and with what.
 */
async function inputsAcrossAFailover(waitReplicas: number): Promise<{ completedWith: Map<string, unknown>; lost: string[] }> {
  dir = mkdtempSync(join(tmpdir(), "helmr-failover-"));
  // Two replicas a master: once one has taken over, the other replicates it, so a WAIT for one replica can still be met.
  cluster = await startLocalCluster({ dir, masters: 3, replicasPerMaster: 2 });
  stack = await startStack({ redisUrl: cluster.url, queueShards: 3, waitReplicas });
  await stack.startWorker({ tasks: [waiter] });
  const runs: { runId: string; sessionId: string }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await stack.client.tasks.trigger("failover-waiter"));
  for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");

  // Parked on every master, and all of it on the replicas before the failover starts.
  const admin = redisClient(cluster.url, {});
  try {
    await admin.ping();
    const nodes = await eventually(() => masters(admin).length === 3 && masters(admin), { what: "the admin connection to know the 3 masters" });
    for (const node of nodes) expect(await node.wait(2, 5_000)).toBe(2);
    // The victim: the master serving the most of the sessions, which lie on all three.
    const portOf = (node: { options: { port?: number } }) => Number(node.options.port);
    const served = runs.map(({ sessionId }) => portOf(masterOf(admin, stack!.engine.resources.keys.session(sessionId))!));
    expect(new Set(served).size).toBe(3);
    const victimPort = [...new Set(served)].sort((a, b) => served.filter((p) => p === b).length - served.filter((p) => p === a).length)[0];
    const victim = cluster.nodes.find((node) => node.port === victimPort)!;
    const survivor = nodes.find((node) => portOf(node) !== victimPort)!;

    const deadline = Date.now() + 60_000;
    let acknowledged = 0;
    const sends = runs.map(async ({ sessionId }, i) => {
      // Spread over a second or two, so some land before the kill, some during and some after.
      await new Promise((resolve) => setTimeout(resolve, i * 60));
      await sendUntilAcknowledged(sessionId, `answer ${i}`, deadline);
      acknowledged++;
    });
    await eventually(async () => acknowledged >= RUNS / 3, { what: "a third of the inputs to be acknowledged" });
    victim.child.kill("SIGKILL");
    await victim.exited;
    await Promise.all(sends);
    // The cluster failed over: the victim is marked failed, and a replica serves its slots.
    await eventually(async () => String(await survivor.call("CLUSTER", "NODES")).includes(`:${victimPort}@${victimPort + 10_000} master,fail`), {
      what: "the cluster to mark the killed master failed",
    });
    expect(String(await survivor.call("CLUSTER", "INFO"))).toMatch(/cluster_state:ok/);
  } finally {
    admin.disconnect();
  }

  // Every run completes, or (an input lost) stops changing: given until the deadline.
  const client = stack.client;
  const statesOf = () => Promise.all(runs.map(({ runId }) => client.runs.retrieve(runId)));
  await eventually(async () => (await statesOf()).every((run) => run.status === "completed"), {
    timeoutMs: 30_000,
    intervalMs: 200,
    what: "every run to complete",
  }).catch(() => {});
  const completedWith = new Map<string, unknown>();
  const lost: string[] = [];
  for (const [i, run] of (await statesOf()).entries()) {
    if (run.status === "completed") {
      completedWith.set(run.id, run.output);
      continue;
    }
    // Not resumed: only acceptable when its acknowledged input is gone from its stream.
    expect(run.status, `run ${i}`).toBe("waiting");
    const inputs = (await client.sessions.open(runs[i].sessionId).input("failover-answer").list()).data;
    expect(inputs, `run ${i} waits although its input is there`).toEqual([]);
    lost.push(run.id);
  }
  for (const [i, { runId }] of runs.entries()) if (completedWith.has(runId)) expect(completedWith.get(runId)).toBe(`answer ${i}`);
  return { completedWith, lost };
}

/** A master killed with SIGKILL while inputs are being sent; its replica takes over. */
describe("a failover while inputs are sent", () => {
  it("with HELMR_REDIS_WAIT_REPLICAS=1 loses nothing acknowledged: every run resumes with exactly its own input", async () => {
    const { completedWith, lost } = await inputsAcrossAFailover(1);
    expect(lost).toEqual([]);
    expect(completedWith.size).toBe(RUNS);
  }, 120_000);

  it("without it, every run that resumes has exactly its own input; what was lost is reported", async () => {
    const { completedWith, lost } = await inputsAcrossAFailover(0);
    expect(completedWith.size + lost.length).toBe(RUNS);
    console.info(
      `failover without HELMR_REDIS_WAIT_REPLICAS: ${lost.length} of ${RUNS} acknowledged inputs lost, ${completedWith.size} runs resumed with their own input`,
    );
  }, 120_000);
});
