import { redisClient } from "@helmr/broker";
import { S3SnapshotStore, SNAPSHOTS_QUEUE, SnapshotService } from "@helmr/broker/snapshots";
import { freePort } from "@helmr/embedded-redis";
import { streams, task } from "@helmr/sdk";
import { Queue } from "bullmq";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { closedAfterEachTest } from "../harness/snapshots.ts";

const open = closedAfterEachTest();

const go = streams.input<string>("snap-go");
const waiting = task({ id: "snap-go-waiter", run: async () => go.wait().unwrap() });

async function unreachableStore(): Promise<S3SnapshotStore> {
  // A loopback port nothing listens on: connections are refused at once.
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  return new S3SnapshotStore({ bucket: "helmr", prefix: "", region: "us-east-1", endpoint, accessKeyId: "x", secretAccessKey: "y" });
}

describe("a failing S3 endpoint", () => {
  it("fails the snapshot with what to fix, keeps its changes for the next one, and leaves delivery untouched", async () => {
    const stack = await open.snapshotStack(await unreachableStore());
    await stack.startWorker({ tasks: [waiting] });
    const run = await stack.client.tasks.trigger("snap-go-waiter");
    await runReaches(stack.client, run.runId, "waiting");

    await expect(stack.snapshots.create()).rejects.toThrow(/cannot reach S3 at http:\/\/127\.0\.0\.1:\d+ .*HELMR_S3_ENDPOINT/);
    expect(await stack.admin.smembers(stack.engine.resources.keys.shards[0].changes())).toContain(run.sessionId);

    await stack.client.sessions.open(run.sessionId).input("snap-go").send("still delivered");
    expect((await runReaches(stack.client, run.runId, "completed")).output).toBe("still delivered");

    // Once storage is back, the next snapshot carries the session changed meanwhile.
    const s3 = await open.s3();
    const working = new SnapshotService(stack.engine, s3.store(), { fullEvery: 12, retain: 3, intervalMs: 0 });
    open.track(working);
    const snapshot = await working.create();
    expect(snapshot.manifest.sessions).toBe(1);
    expect(await stack.admin.smembers(stack.engine.resources.keys.shards[0].changes())).toEqual([]);
  });

  it("names a missing bucket and wrong credentials", async () => {
    const s3 = await open.s3();
    const base = { prefix: "", region: "us-east-1", endpoint: s3.endpoint };
    const noBucket = new S3SnapshotStore({ ...base, bucket: "no-such-bucket", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
    await expect(noBucket.put("x", Buffer.from("x"))).rejects.toThrow('S3 bucket "no-such-bucket" does not exist');
    const badKeys = new S3SnapshotStore({ ...base, bucket: s3.bucket, accessKeyId: "WRONG", secretAccessKey: "WRONG" });
    await expect(badKeys.put("x", Buffer.from("x"))).rejects.toThrow(/refused the credentials.*HELMR_S3_ACCESS_KEY_ID/);
    noBucket.close();
    badKeys.close();
  });

  it("periodic snapshots keep failing and retrying on their interval while runs resume", async () => {
    const stack = await open.snapshotStack(await unreachableStore());
    // The snapshot worker logs through the engine's logger: capture what it says.
    const logged: { msg: string; err?: string }[] = [];
    stack.engine.resources.logger = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const periodic = new SnapshotService(stack.engine, await unreachableStore(), { fullEvery: 12, retain: 3, intervalMs: 200 });
    open.track(periodic);
    await periodic.schedule();
    await stack.startWorker({ tasks: [waiting] });

    const connection = redisClient(stack.redisUrl, { maxRetriesPerRequest: null });
    open.track({ close: async () => connection.disconnect() });
    const queue = new Queue(SNAPSHOTS_QUEUE, { connection, prefix: `{${stack.prefix}}` });
    open.track(queue);
    for (let i = 0; i < 3; i++) {
      const run = await stack.client.tasks.trigger("snap-go-waiter");
      await runReaches(stack.client, run.runId, "waiting");
      await stack.client.sessions.open(run.sessionId).input("snap-go").send(`round ${i}`);
      expect((await runReaches(stack.client, run.runId, "completed")).output).toBe(`round ${i}`);
    }
    // Each interval ran a snapshot job; each failed inside and left its changes for the next.
    await eventually(async () => (await queue.getJobCounts("completed")).completed >= 3, { what: "three periodic snapshot attempts" });
    // Read in one step with the marks an attempt has taken meanwhile: a failing attempt holds them aside until it puts them back.
    const shard = stack.engine.resources.keys.shards[0];
    const [[, changed], [, inFlight]] = (await stack.admin.multi().smembers(shard.changes()).smembers(shard.changesInFlight()).exec()) as [unknown, string[]][];
    expect(new Set([...changed, ...inFlight]).size).toBe(3);
    const failures = logged.filter((line) => line.msg.startsWith("snapshot failed"));
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures[0]).toMatchObject({ msg: "snapshot failed; its changes are kept and the next interval tries again" });
    expect(failures[0].err).toMatch(/^cannot reach S3 at http:\/\/127\.0\.0\.1:\d+ .*check HELMR_S3_ENDPOINT/);
  });
});
