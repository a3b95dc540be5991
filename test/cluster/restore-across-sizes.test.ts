import { streams, task } from "@helmr/sdk";
import { describe, expect, it } from "vitest";
import { runReaches } from "../harness/runs.ts";
import { closedAfterEachTest } from "../harness/snapshots.ts";

const open = closedAfterEachTest();

const answer = streams.input<string>("resize-answer");
const waiter = task({ id: "resize-waiter", run: async () => answer.wait().unwrap() });

/** Issue 16: a snapshot taken on a 3-master cluster restores into a Redis of another size (a cluster has 3 masters at least). */
describe("a restore into a cluster of another size", () => {
  for (const masters of [1, 4]) {
    it(`brings the runs parked on a 3-master cluster back on ${masters === 1 ? "a single Redis" : `${masters} masters`}, and they resume`, async () => {
      const s3 = await open.s3();
      const source = await open.snapshotStack(s3.store(), undefined, { masters: 3 });
      await source.startWorker({ tasks: [waiter] });
      // Sessions of their own: their hash tags spread over the source's masters.
      const runs = await Promise.all(Array.from({ length: 6 }, () => source.client.tasks.trigger("resize-waiter")));
      for (const { runId } of runs) await runReaches(source.client, runId, "waiting");
      const snapshot = await source.snapshots.create();
      expect(snapshot.manifest.sessions).toBe(runs.length);

      const target = await open.snapshotStack(s3.store(), undefined, { masters });
      expect(await target.snapshots.restore()).toMatchObject({ snapshotId: snapshot.manifest.id, sessions: runs.length });
      await target.startWorker({ tasks: [waiter] });
      expect((await target.client.waits.list()).data.map((wait) => wait.runId).sort()).toEqual(runs.map((run) => run.runId).sort());
      for (const [i, { sessionId }] of runs.entries()) await target.client.sessions.open(sessionId).input("resize-answer").send(`answer ${i}`);
      for (const [i, { runId }] of runs.entries()) expect((await runReaches(target.client, runId, "completed")).output).toBe(`answer ${i}`);
    });
  }
});
