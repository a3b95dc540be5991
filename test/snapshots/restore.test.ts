import { streams, task, timers, tokens } from "@helmr/sdk";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { closedAfterEachTest } from "../harness/snapshots.ts";

const open = closedAfterEachTest();

const answer = streams.input<string>("snap-answer");
const onInput = task({ id: "snap-input", run: async () => answer.wait({ correlationId: "q" }).unwrap() });
const onToken = task({ id: "snap-token", run: async ({ tokenId }: { tokenId: string }) => tokens.wait(tokenId).unwrap() });
let openGate: () => void = () => {};
const gate = new Promise<void>((resolve) => (openGate = resolve));
const slow = task({ id: "snap-slow", run: async () => (await gate, "finished") });
const quick = task({ id: "snap-quick", run: async () => "ran" });
const onTimer = task({ id: "snap-timer", run: async ({ until }: { until: number }) => (await timers.waitUntil(until), "rang") });

describe("ARCHITECTURE.md invariant 6: after a total Redis loss, parked runs come back from the latest snapshot", () => {
  it("restores runs parked on an input, a token and a timer, the input history, token completions and spent public tokens", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store());
    const { client } = stack;
    await stack.startWorker({ tasks: [onInput, onToken, onTimer] });

    const inputRun = await client.tasks.trigger("snap-input");
    const awaited = await client.tokens.create({ timeout: "1h" });
    const tokenRun = await client.tasks.trigger("snap-token", { tokenId: awaited.id });
    const until = Date.now() + 1500;
    const timerRun = await client.tasks.trigger("snap-timer", { until });
    for (const { runId } of [inputRun, tokenRun, timerRun]) await runReaches(client, runId, "waiting");

    const session = client.sessions.open(inputRun.sessionId);
    expect(await session.input("snap-answer").send("not for this run", { correlationId: "other" })).toMatchObject({ status: "buffered" });
    const done = await client.tokens.create({ timeout: "1h" });
    expect((await client.tokens.complete(done.id, { ok: 1 })).firstCompletion).toBe(true);
    const { publicAccessToken } = await client.auth.createPublicToken({
      scope: { type: "session.input.send", session: inputRun.sessionId, stream: "snap-answer", correlationId: "pat" },
      maxUses: 1,
    });
    await session.input("snap-answer").send("sent from a browser", { correlationId: "pat", publicAccessToken });

    const snapshot = await stack.snapshots.create();
    expect(snapshot.manifest).toMatchObject({ kind: "full", parent: null, sessions: 3, tokens: 2 });
    expect(snapshot.location).toBe(`s3://${s3.bucket}/snapshots/${snapshot.manifest.id}/`);
    // Secrets are derived from HELMR_SECRET on demand, never stored, so never snapshotted.
    const stored = await Promise.all(
      snapshot.manifest.parts.map(async (part) => gunzipSync((await s3.store().get(`${snapshot.manifest.id}/${part.name}`))!).toString()),
    );
    for (const secret of [done.publicAccessToken, done.callbackUrl.split("/").at(-1)!, publicAccessToken, publicAccessToken.split(".")[1]]) {
      expect(stored.join("\n")).not.toContain(secret);
    }

    const listed = async () => ({
      runs: (await client.runs.list()).data.map((r) => r.id),
      sessions: (await client.sessions.list()).data.map((s) => s.id),
      tokens: (await client.tokens.list()).data.map((t) => t.id),
    });
    const listedBefore = await listed();
    await stack.loseData();
    // The timer falls due while Redis is gone: the restore fires it at once.
    await eventually(() => Date.now() > until, { what: "the timer's due time to pass" });
    const restored = await stack.snapshots.restore();
    expect(restored).toMatchObject({ snapshotId: snapshot.manifest.id, chain: [snapshot.manifest.id], sessions: 3, tokens: 2 });
    // Lists page as before: the id logs are rebuilt in creation order.
    expect(await listed()).toEqual(listedBefore);

    expect((await runReaches(client, timerRun.runId, "completed")).output).toBe("rang");
    expect((await client.runs.retrieve(inputRun.runId)).status).toBe("waiting");
    expect(await session.input("snap-answer").send("the answer", { correlationId: "q" })).toMatchObject({ status: "resumed", runId: inputRun.runId });
    expect((await client.tokens.complete(awaited.id, { approved: true })).firstCompletion).toBe(true);
    expect((await runReaches(client, inputRun.runId, "completed")).output).toBe("the answer");
    expect((await runReaches(client, tokenRun.runId, "completed")).output).toEqual({ approved: true });

    const history = (await session.input("snap-answer").list()).data;
    expect(history.map((e) => [e.data, e.correlationId, e.status, e.consumedBy?.runId ?? null])).toEqual([
      ["not for this run", "other", "buffered", null],
      ["sent from a browser", "pat", "buffered", null],
      ["the answer", "q", "consumed", inputRun.runId],
    ]);

    const again = await client.tokens.complete(done.id, { ok: 1 });
    expect(again.firstCompletion).toBe(false);
    expect(again.token.status).toBe("completed");
    const conflict = await stack.http("POST", `/api/v1/tokens/${done.id}/complete`, { body: { data: { ok: 2 } } });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("token_already_completed");

    const spent = await stack.http("POST", `/api/v1/sessions/${inputRun.sessionId}/input/snap-answer`, {
      key: publicAccessToken,
      body: { data: "again", correlationId: "pat" },
    });
    expect(spent.status).toBe(403);
    expect(spent.body.error.code).toBe("token_exhausted");
  });

  it("re-queues runs that were queued or running when the snapshot was taken", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store());
    const { client } = stack;
    // One slot, taken by the slow run: the quick run stays queued behind it.
    await stack.startWorker({ tasks: [slow, quick], concurrency: 1 });
    const running = await client.tasks.trigger("snap-slow");
    await runReaches(client, running.runId, "running");
    const queued = await client.tasks.trigger("snap-quick");
    expect((await client.runs.retrieve(queued.runId)).status).toBe("queued");

    await stack.snapshots.create();
    await stack.loseData();
    const restored = await stack.snapshots.restore();
    expect(restored.jobs).toBe(2);
    // The first worker's slot is still held by the old execution: a second worker takes the restored jobs.
    await stack.startWorker({ tasks: [slow, quick] });
    expect((await runReaches(client, queued.runId, "completed")).output).toBe("ran");
    // The execution that was running is lost with the old Redis: a new attempt takes over,
    // and the old one is fenced out.
    await eventually(async () => (await client.runs.retrieve(running.runId)).attempt === 2, { what: "a second attempt of the running run" });
    openGate();
    expect((await runReaches(client, running.runId, "completed")).output).toBe("finished");
  });

  it("restores schedules, which fire again once restored", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store());
    const fired: unknown[] = [];
    const remind = task({ id: "snap-remind", run: async (payload: unknown) => void fired.push(payload) });
    const worker = await stack.startWorker({ tasks: [remind] });
    const schedule = await stack.client.schedules.create({ task: "snap-remind", every: "1s", externalId: "cust-1", payload: { n: 1 }, deduplicationKey: "d1" });
    await stack.snapshots.create();
    await worker.close();
    await stack.loseData();
    await stack.snapshots.restore();
    expect(await stack.client.schedules.retrieve(schedule.id)).toMatchObject({ task: "snap-remind", every: 1000, externalId: "cust-1", status: "active" });
    // Its BullMQ scheduler is back too, and its deduplicationKey still names it.
    expect(await stack.engine.schedules.queue.getJobScheduler(schedule.id)).toBeTruthy();
    expect((await stack.client.schedules.create({ task: "snap-remind", every: "2s", deduplicationKey: "d1" })).id).toBe(schedule.id);
    await stack.startWorker({ tasks: [remind] });
    await eventually(() => fired.length >= 1, { what: "a fire after the restore" });
    expect(fired[0]).toEqual({ n: 1 });
  });

  it("refuses to restore into a Redis that holds Helmr data, unless forced", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store());
    const kept = await stack.client.sessions.create({ externalId: "kept" });
    const snapshot = await stack.snapshots.create();
    const later = await stack.client.sessions.create({ externalId: "later" });

    await expect(stack.snapshots.restore()).rejects.toThrow(/already holds Helmr data.*--force/);
    expect((await stack.client.sessions.retrieve(later.id)).id).toBe(later.id);

    const restored = await stack.snapshots.restore({ snapshotId: snapshot.manifest.id, force: true });
    expect(restored.sessions).toBe(1);
    expect((await stack.client.sessions.list({ externalId: "kept" })).data.map((s) => s.id)).toEqual([kept.id]);
    expect((await stack.http("GET", `/api/v1/sessions/${later.id}`)).status).toBe(404);
    // The runs queue was emptied, not left paused: runs still execute.
    await stack.startWorker({ tasks: [quick] });
    const run = await stack.client.tasks.trigger("snap-quick");
    expect((await runReaches(stack.client, run.runId, "completed")).output).toBe("ran");
  });
});
