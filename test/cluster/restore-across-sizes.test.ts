import { streams, task } from "@helmr/sdk";
import { describe, expect, it } from "vitest";
import { runReaches } from "../harness/runs.ts";
import { closedAfterEachTest } from "../harness/snapshots.ts";

const open = closedAfterEachTest();

const answer = streams.input<string>("resize-answer");
const waiter = task({ id: "resize-waiter", run: async () => answer.wait().unwrap() });

/**
 * A snapshot chain taken on a 3-master cluster with 3 shards restores into a Redis
 * of another size and another shard count (a cluster has 3 masters at least): the runs are
 * listed in the order they were made, and resume.
 */
describe("a restore into a cluster of another size", () => {
  for (const { masters, queueShards } of [
    { masters: 1, queueShards: 1 },
    { masters: 4, queueShards: 2 },
  ]) {
    it(`brings the runs parked on a 3-master cluster back on ${masters === 1 ? "a single Redis" : `${masters} masters`} with ${queueShards} shard(s), and they resume`, async () => {
      const s3 = await open.s3();
      const source = await open.snapshotStack(s3.store(), undefined, { masters: 3, queueShards: 3 });
      await source.startWorker({ tasks: [waiter] });
      // Sessions of their own: their hash tags spread over the source's masters and shards.
      const runs: { runId: string; sessionId: string }[] = [];
      for (let i = 0; i < 8; i++) runs.push(await source.client.tasks.trigger("resize-waiter"));
      for (const { runId } of runs) await runReaches(source.client, runId, "waiting");
      const full = await source.snapshots.create();
      expect(full.manifest.sessions).toBe(runs.length);
      // Two runs finish after the full snapshot: the increment carries them (change marks of their shards).
      for (const i of [0, 1]) await source.client.sessions.open(runs[i].sessionId).input("resize-answer").send(`early ${i}`);
      for (const i of [0, 1]) await runReaches(source.client, runs[i].runId, "completed");
      const increment = await source.snapshots.create();
      expect(increment.manifest).toMatchObject({ kind: "incremental", parent: full.manifest.id, sessions: 2 });

      const target = await open.snapshotStack(s3.store(), undefined, { masters, queueShards });
      expect(await target.snapshots.restore()).toMatchObject({ snapshotId: increment.manifest.id, sessions: runs.length });
      await target.startWorker({ tasks: [waiter] });
      expect((await target.client.runs.list({ limit: 100 })).data.map((run) => run.id)).toEqual(runs.map((run) => run.runId).reverse());
      for (const i of [0, 1]) expect((await target.client.runs.retrieve(runs[i].runId)).output).toBe(`early ${i}`);
      const parked = runs.slice(2);
      expect((await target.client.waits.list()).data.map((wait) => wait.runId).sort()).toEqual(parked.map((run) => run.runId).sort());
      for (const [i, { sessionId }] of parked.entries()) await target.client.sessions.open(sessionId).input("resize-answer").send(`answer ${i}`);
      for (const [i, { runId }] of parked.entries()) expect((await runReaches(target.client, runId, "completed")).output).toBe(`answer ${i}`);
    });
  }
});
