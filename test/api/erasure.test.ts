import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSnapshotStore } from "@helmr/broker/snapshots";
import { step, streams, task, tokens } from "@helmr/sdk";
import { describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { closedAfterEachTest } from "../harness/snapshots.ts";
import { allKeys } from "../harness/redis-state.ts";

const open = closedAfterEachTest();
const answer = streams.input<string>("erase-answer");
const notes = streams.output<string>("erase-notes");
const tasks = [
  task({ id: "erase-parks", run: async () => answer.wait({ correlationId: "q" }).unwrap() }),
  task({ id: "erase-done", run: async () => (await notes.append("remember me"), "done") }),
  task({
    id: "erase-token",
    run: async () => {
      const token = await tokens.create({ timeout: "1h", tags: ["erase-tag"], idempotencyKey: `erase-${Math.random()}` });
      await step.run("created", () => token.id);
      return token.wait().unwrap();
    },
  }),
];

describe("DELETE /api/v1/sessions/:id erases a session", () => {
  it("cancels its runs, deletes every key it owns and its entries in the global lists, and stays deleted through a snapshot and a restore", async () => {
    const store = new FileSnapshotStore(mkdtempSync(join(tmpdir(), "helmr-erase-")));
    const stack = await open.snapshotStack(store);
    const { client, engine } = stack;
    await stack.startWorker({ tasks });
    const { id: sessionId } = await client.sessions.create({ externalId: "user-42", tags: ["erase-me"] });
    const kept = await client.sessions.create({ externalId: "user-43", tags: ["erase-me"] });
    const parked = await client.tasks.trigger("erase-parks", {}, { sessionId, idempotencyKey: "erase-once" });
    const done = await client.tasks.trigger("erase-done", {}, { sessionId });
    const withToken = await client.tasks.trigger("erase-token", {}, { sessionId });
    const other = await client.tasks.trigger("erase-parks", {}, { sessionId: kept.id });
    await runReaches(client, parked.runId, "waiting");
    await runReaches(client, done.runId, "completed");
    await runReaches(client, withToken.runId, "waiting");
    await runReaches(client, other.runId, "waiting");
    const session = client.sessions.open(sessionId);
    await session.input("erase-answer").send("buffered for nobody", { correlationId: "nobody" });
    await client.auth.createPublicToken({ scope: { type: "session.input.send", session: sessionId, stream: "erase-answer" }, maxUses: 1 });
    const waitingOn = (await client.runs.retrieve(withToken.runId)).waitingOn!;
    const tokenId = waitingOn.kind === "token" ? waitingOn.tokenId : "";
    await stack.snapshots.create({ full: true });

    const { redis, keys } = engine.resources;
    const tagPrefix = keys.tagPrefix(sessionId);
    expect((await allKeys(redis, `${tagPrefix}*`)).length).toBeGreaterThan(5);

    const erased = await stack.http("DELETE", `/api/v1/sessions/${sessionId}`);
    expect(erased.status).toBe(204);
    expect((await stack.http("DELETE", `/api/v1/sessions/${sessionId}`)).status).toBe(404);

    // Not one key of its hash tag is left.
    expect(await allKeys(redis, `${tagPrefix}*`)).toEqual([]);
    // Nor an entry in a global list or lookup.
    const ids = async (list: Promise<{ data: object[] }>) => (await list).data.map((r) => ("id" in r ? r.id : (r as { runId: string }).runId));
    expect(await ids(client.sessions.list({ limit: 100 }))).toEqual([kept.id]);
    expect(await ids(client.sessions.list({ tag: "erase-me" }))).toEqual([kept.id]);
    expect(await ids(client.runs.list({ limit: 100 }))).toEqual([other.runId]);
    expect(await ids(client.tokens.list({ limit: 100 }))).toEqual([]);
    expect(await ids(client.tokens.list({ tag: "erase-tag" }))).toEqual([]);
    expect(await ids(client.waits.list({ limit: 100 }))).toEqual([other.runId]);
    const raw = await redis.xrange(keys.shards[0].runsIndex(), "-", "+");
    expect(raw.map(([, fields]) => fields[1])).toEqual([other.runId]);
    expect(await redis.get(keys.sessionByExternalId("user-42"))).toBeNull();
    expect(await redis.get(keys.runByIdempotencyKey("erase-parks", "erase-once"))).toBeNull();
    // Its runs' jobs are gone from every queue (the token's timeout went to the warm worker's own).
    expect(await engine.resources.runsQueue.getJobCounts("waiting", "delayed", "active")).toMatchObject({ waiting: 0, delayed: 0, active: 0 });
    const warmQueues = (await redis.zrange(keys.workers(), 0, -1)).map((id) => engine.warm.queueOf(id));
    for (const queue of warmQueues) expect((await queue.getJobs(["waiting", "delayed"])).map((job) => job.data.runId)).not.toContain(withToken.runId);

    // Gone, said so, and the ids it used start afresh.
    const gone = await stack.http("GET", `/api/v1/runs/${parked.runId}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toMatch(/may have passed its retention, or its session was erased/);
    expect((await stack.http("GET", `/api/v1/tokens/${tokenId}`)).status).toBe(404);
    const again = await client.tasks.trigger("erase-parks", {}, { idempotencyKey: "erase-once" });
    expect(again.deduplicated).toBe(false);
    expect((await client.sessions.create({ externalId: "user-42" })).id).not.toBe(sessionId);

    // An incremental snapshot records it as deleted: a restore of the chain does not bring it back.
    const increment = await stack.snapshots.create();
    expect(increment.manifest.kind).toBe("incremental");
    await stack.loseData();
    await stack.snapshots.restore();
    expect((await stack.http("GET", `/api/v1/sessions/${sessionId}`)).status).toBe(404);
    expect((await stack.http("GET", `/api/v1/runs/${done.runId}`)).status).toBe(404);
    expect((await stack.http("GET", `/api/v1/tokens/${tokenId}`)).status).toBe(404);
    expect(await allKeys(redis, `${tagPrefix}*`)).toEqual([]);
    // The session kept is all there, and its run still resumes.
    await client.sessions.open(kept.id).input("erase-answer").send("still here", { correlationId: "q" });
    await eventually(async () => (await client.runs.retrieve(other.runId)).status === "completed");
  });
});
