import { gunzipSync } from "node:zlib";
import { SnapshotService } from "@helmr/broker/snapshots";
import { streams, task } from "@helmr/sdk";
import { describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import type { TestS3 } from "../harness/s3.ts";
import { closedAfterEachTest } from "../harness/snapshots.ts";

const open = closedAfterEachTest();

/** The unit ids (session and token ids) a snapshot's parts hold. */
async function unitsOf(s3: TestS3, snapshotId: string): Promise<string[]> {
  const store = s3.store();
  const names = (await store.list(`${snapshotId}/`)).filter((name) => name.endsWith(".ndjson.gz"));
  const units: string[] = [];
  for (const name of names) {
    const text = gunzipSync((await store.get(name))!).toString("utf8");
    units.push(
      ...text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line).unit as string),
    );
  }
  return units.sort();
}

const log = streams.output<string>("snap-log");
const logger = task({
  id: "snap-logger",
  run: async () => {
    for (const line of ["one", "two", "three"]) await log.append(line);
    return "logged";
  },
});

describe("incremental snapshots", () => {
  it("carry only the sessions and tokens changed since the last snapshot, and restore as a chain", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store());
    const { client } = stack;
    const quiet = await client.sessions.create();
    const busy = await client.sessions.create();
    const token = await client.tokens.create({ timeout: "1h" });
    const first = await stack.snapshots.create();
    expect(first.manifest).toMatchObject({ kind: "full", sessions: 2, tokens: 1 });
    expect(await unitsOf(s3, first.manifest.id)).toEqual([quiet.id, busy.id, token.id].sort());

    await client.sessions.open(busy.id).input("notes").send("one");
    const second = await stack.snapshots.create();
    expect(second.manifest).toMatchObject({ kind: "incremental", parent: first.manifest.id, sessions: 1, tokens: 0 });
    expect(await unitsOf(s3, second.manifest.id)).toEqual([busy.id]);

    await client.tokens.complete(token.id, "done");
    await client.sessions.open(busy.id).input("notes").send("two");
    const third = await stack.snapshots.create();
    expect(third.manifest).toMatchObject({ kind: "incremental", parent: second.manifest.id });
    expect(await unitsOf(s3, third.manifest.id)).toEqual([busy.id, token.id].sort());

    const nothing = await stack.snapshots.create();
    expect(nothing.manifest).toMatchObject({ kind: "incremental", sessions: 0, tokens: 0, parts: [] });

    await stack.loseData();
    const restored = await stack.snapshots.restore();
    expect(restored.chain).toEqual([nothing, third, second, first].map((s) => s.manifest.id));
    expect(restored).toMatchObject({ sessions: 2, tokens: 1 });
    expect((await client.sessions.open(busy.id).input("notes").list()).data.map((e) => e.data)).toEqual(["one", "two"]);
    expect((await client.sessions.retrieve(quiet.id)).id).toBe(quiet.id);
    expect((await client.tokens.retrieve(token.id)).status).toBe("completed");
  });

  it("carry what a run wrote while executing (outputs, journal): its end marks its session", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store());
    const { client } = stack;
    await stack.startWorker({ tasks: [logger] });
    await stack.snapshots.create();
    const run = await client.tasks.trigger("snap-logger");
    await runReaches(client, run.runId, "completed");
    const snapshot = await stack.snapshots.create();
    expect(snapshot.manifest.kind).toBe("incremental");
    expect(await unitsOf(s3, snapshot.manifest.id)).toEqual([run.sessionId]);

    await stack.loseData();
    await stack.snapshots.restore();
    expect((await client.runs.retrieve(run.runId)).output).toBe("logged");
    expect((await client.sessions.open(run.sessionId).output("snap-log").read()).data.map((e) => e.data)).toEqual(["one", "two", "three"]);
  });

  it("writes a full snapshot after fullEvery increments, and prunes chains beyond the retained ones", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store(), { fullEvery: 1, retain: 1 });
    const session = await stack.client.sessions.create();
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      await stack.client.sessions.open(session.id).input("notes").send(i);
      kinds.push((await stack.snapshots.create()).manifest.kind);
    }
    expect(kinds).toEqual(["full", "incremental", "full"]);
    const left = await stack.snapshots.list();
    expect(left.map((s) => s.kind)).toEqual(["full"]);
    // Nothing of the pruned snapshots is left in the bucket.
    expect((await s3.store().list()).every((name) => name.startsWith(`${left[0].id}/`))).toBe(true);
  });

  it("with periodic snapshots off, change marks are dropped instead of piling up, and the next snapshot is full", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store());
    await stack.client.sessions.create();
    await stack.snapshots.create();
    const changed = await stack.client.sessions.create();
    expect(await stack.admin.smembers(stack.engine.resources.keys.shards[0].changes())).toEqual([changed.id]);
    const off = open.track(new SnapshotService(stack.engine, s3.store(), { fullEvery: 12, retain: 3, intervalMs: 0, forgetEveryMs: 200 }));
    await off.schedule();
    await eventually(async () => (await stack.admin.scard(stack.engine.resources.keys.shards[0].changes())) === 0, { what: "the change marks to be dropped" });
    expect((await stack.snapshots.create()).manifest).toMatchObject({ kind: "full", sessions: 2 });
  });

  it("after a restore, the next snapshot is a full one (the chain it would add to is gone with the old Redis)", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store());
    await stack.client.sessions.create();
    await stack.snapshots.create();
    await stack.loseData();
    await stack.snapshots.restore();
    expect((await stack.snapshots.create()).manifest).toMatchObject({ kind: "full", sessions: 1 });
  });

  it("record what retention deleted as tombstones: a restore of the chain does not bring it back", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store());
    await stack.startWorker({ tasks: [logger] });
    const { runId, sessionId } = await stack.client.tasks.trigger("snap-logger");
    await runReaches(stack.client, runId, "completed");
    const token = await stack.client.tokens.create({ timeout: "1h" });
    await stack.client.tokens.complete(token.id, { ok: true });
    await stack.snapshots.create({ full: true });

    const policy = { runMs: 1, sessionMs: 0, sessionIdleCloseMs: 0, tokenMs: 1 };
    await eventually(
      async () => {
        await stack.engine.retention.sweep(policy, Date.now() + 10);
        return (await stack.http("GET", `/api/v1/runs/${runId}`)).status === 404 && (await stack.http("GET", `/api/v1/tokens/${token.id}`)).status === 404;
      },
      { what: "retention to delete the run and the token" },
    );
    const increment = await stack.snapshots.create();
    expect(increment.manifest.kind).toBe("incremental");
    expect(await unitsOf(s3, increment.manifest.id)).toEqual([sessionId, token.id].sort());

    await stack.loseData();
    await stack.snapshots.restore();
    expect((await stack.http("GET", `/api/v1/runs/${runId}`)).status).toBe(404);
    expect((await stack.http("GET", `/api/v1/tokens/${token.id}`)).status).toBe(404);
    // The session itself stays (its retention is off), without the deleted run.
    expect((await stack.client.sessions.retrieve(sessionId)).runs).toEqual([]);
  });

  it("change marks do not pile up where nobody takes snapshots, and stay once one was attempted", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store());
    await stack.startWorker({ tasks: [logger], sweepIntervalMs: 100, retention: { runMs: 1, sessionMs: 0, sessionIdleCloseMs: 0, tokenMs: 0 } });
    const { keys } = stack.engine.resources;
    const changes = keys.shards[0].changes();
    // Nobody takes snapshots here (no snapshot service ran, none was attempted).
    await stack.admin.hdel(keys.snapshotState(), "attendedUntil");
    // Each run is deleted a moment after it finished (runMs 1): a 404 says it finished.
    const first = await stack.client.tasks.trigger("snap-logger");
    // No snapshot ever attempted: the sweeper drops the marks (the next snapshot is full anyway).
    await eventually(async () => (await stack.admin.scard(changes)) === 0 && (await stack.http("GET", `/api/v1/runs/${first.runId}`)).status === 404, {
      what: "the run deleted and the marks dropped",
    });

    await stack.snapshots.create();
    const second = await stack.client.tasks.trigger("snap-logger");
    await eventually(async () => (await stack.http("GET", `/api/v1/runs/${second.runId}`)).status === 404, { what: "the second run deleted" });
    // A snapshot was taken: its marks wait for the next one, tombstone included.
    expect(await stack.admin.smembers(changes)).toEqual([second.sessionId]);
    expect((await stack.snapshots.create()).manifest.kind).toBe("incremental");
  });
});
