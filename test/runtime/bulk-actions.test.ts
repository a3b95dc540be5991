import type { BulkActionRecord } from "@helmr/core";
import { NonRetriableError, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { redisState } from "../harness/redis-state.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

/** Polls a bulk action until it has finished, and returns it. */
function actionEnds(id: string): Promise<BulkActionRecord> {
  return eventually(
    async () => {
      const action = await stack.client.bulkActions.retrieve(id);
      return action.status !== "running" && action;
    },
    { timeoutMs: 30_000, what: `bulk action ${id} to finish` },
  );
}

/** Every run of a task, through the API's list. */
async function runsOf(taskId: string) {
  const runs = [];
  for (let cursor: string | undefined; ; ) {
    const page = await stack.client.runs.list({ task: taskId, limit: 200, ...(cursor ? { cursor } : {}) });
    runs.push(...page.data);
    if (!page.nextCursor) return runs;
    cursor = page.nextCursor;
  }
}

const downstream = { up: false };
const charge = task({
  id: "bulk-charge",
  run: async (payload: { n: number }) => {
    if (!downstream.up) throw new NonRetriableError("the payment service is down");
    return { charged: payload.n };
  },
});

describe("bulk actions", () => {
  it("counts 1,000 runs in a dry run without changing anything, then cancels exactly them as a job with progress", async () => {
    stack = await startStack();
    // Registered without a worker: triggered runs stay queued.
    await stack.engine.tasks.register(["bulk-queued", "bulk-other"]);
    const items = Array.from({ length: 1000 }, (_, n) => ({ payload: { n } }));
    await stack.client.tasks.batchTrigger("bulk-queued", items);
    const others = await stack.client.tasks.batchTrigger("bulk-other", items.slice(0, 5));
    const before = await redisState(stack.engine.resources.redis, stack.prefix);

    const dry = await stack.http("POST", "/api/v1/runs/bulk-cancel", { body: { filter: { task: "bulk-queued" }, dryRun: true } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ action: "cancel", dryRun: true, count: 1000 });
    expect(dry.body.sample).toHaveLength(20);
    expect(await redisState(stack.engine.resources.redis, stack.prefix)).toEqual(before);

    const started = await stack.client.runs.bulkCancel({ task: "bulk-queued" }, { reason: "incident 42" });
    expect(started).toMatchObject({ action: "cancel", status: "running", filter: { task: "bulk-queued" } });
    const ended = await actionEnds(started.id);
    expect(ended).toMatchObject({ status: "completed", total: 1000, processed: 1000, succeeded: 1000, skipped: 0, failed: 0, errors: [] });
    expect(ended.finishedAt).not.toBeNull();
    const runs = await runsOf("bulk-queued");
    expect(runs.filter((run) => run.status === "cancelled")).toHaveLength(1000);
    const events = (await stack.client.runs.events(runs[0].id)).data;
    expect(events.at(-1)).toMatchObject({ type: "cancelled", detail: { reason: "incident 42" } });
    // Runs the filter did not name are left alone.
    for (const { runId } of others.runs) expect((await stack.client.runs.retrieve(runId)).status).toBe("queued");
    expect((await stack.client.bulkActions.list()).map((action) => action.id)).toEqual([started.id]);
    // A finished action's record is deleted a week on, by its expiry.
    const ttl = await stack.engine.resources.redis.pttl(stack.engine.resources.keys.bulkActions(`a:${started.id}`));
    expect(ttl).toBeGreaterThan(6 * 24 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3_600_000);

    // Nothing left to cancel: a second action selects nothing.
    expect(await stack.client.runs.bulkCancel({ task: "bulk-queued" }, { dryRun: true })).toMatchObject({ count: 0 });
  });

  it("replays failed runs once each even when its job dies mid-page and is taken again", async () => {
    let failures = 0;
    stack = await startStack({
      hooks: {
        racepoint: (point) => {
          // The first page's runs were replayed, but their counts and cursor not yet written.
          if (point === "bulkActions.pageDone" && failures++ === 0) throw new Error("the process died here");
        },
      },
    });
    await stack.startWorker({ tasks: [charge] });
    downstream.up = false;
    const items = Array.from({ length: 250 }, (_, n) => ({ payload: { n } }));
    const failed = await stack.client.tasks.batchTrigger("bulk-charge", items);
    for (const { runId } of failed.runs) await runReaches(stack.client, runId, "failed");

    downstream.up = true;
    const filter = { task: "bulk-charge", status: "failed" as const };
    expect(await stack.client.runs.bulkReplay(filter, { dryRun: true })).toMatchObject({ count: 250 });
    const started = await stack.client.runs.bulkReplay(filter);
    const ended = await actionEnds(started.id);
    expect(failures).toBeGreaterThan(1);
    expect(ended).toMatchObject({ status: "completed", total: 250, processed: 250, succeeded: 250, failed: 0 });
    const replays = (await runsOf("bulk-charge")).filter((run) => run.replayOf !== null);
    // One replay per failed run, though the first page was done twice.
    expect(replays).toHaveLength(250);
    expect(new Set(replays.map((run) => run.replayOf))).toEqual(new Set(failed.runs.map((run) => run.runId)));
    for (const replay of replays.slice(0, 10))
      expect((await runReaches(stack.client, replay.id, "completed")).output).toEqual({ charged: (replay.payload as { n: number }).n });
  });

  it("selects by session tag, session and creation time", async () => {
    stack = await startStack();
    await stack.engine.tasks.register(["bulk-filtered"]);
    const tagged = await stack.client.sessions.create({ tags: ["tenant:acme"] });
    const plain = await stack.client.sessions.create();
    const inTagged = await stack.client.tasks.batchTrigger("bulk-filtered", [{ sessionId: tagged.id }, { sessionId: tagged.id }]);
    await stack.client.tasks.batchTrigger("bulk-filtered", [{ sessionId: plain.id }, {}]);
    const cut = new Date().toISOString();
    await eventually(async () => Date.now() > Date.parse(cut), { what: "the clock to pass the cut" });
    const later = await stack.client.tasks.trigger("bulk-filtered", {});

    const count = async (filter: Record<string, string>) => (await stack.client.runs.bulkCancel(filter, { dryRun: true })).count;
    expect(await count({ tag: "tenant:acme" })).toBe(2);
    expect(await count({ session: plain.id })).toBe(1);
    expect(await count({ task: "bulk-filtered", createdBefore: cut })).toBe(4);
    expect(await count({ task: "bulk-filtered", createdAfter: cut })).toBe(1);
    expect(await count({ task: "bulk-filtered", status: "queued" })).toBe(5);
    expect(await count({ version: "no-such-version" })).toBe(0);
    const dry = await stack.client.runs.bulkCancel({ tag: "tenant:acme" }, { dryRun: true });
    expect(new Set(dry.sample)).toEqual(new Set(inTagged.runs.map((run) => run.runId)));
    expect(dry.sample).not.toContain(later.runId);
    // An action that selects nothing ends at once.
    const none = await stack.client.runs.bulkCancel({ session: "no-such-session" });
    expect(await actionEnds(none.id)).toMatchObject({ status: "completed", total: 0, processed: 0 });
  });

  it("refuses a filter that names nothing, a status a cancel cannot reach and bad fields, with 422, and answers 404 for an unknown action", async () => {
    stack = await startStack();
    await stack.engine.tasks.register(["bulk-refused"]);
    await stack.client.tasks.trigger("bulk-refused", {});
    const before = await redisState(stack.engine.resources.redis, stack.prefix);
    const refused = async (path: string, body: unknown, pointer: string) => {
      const response = await stack.http("POST", path, { body });
      expect(response.status).toBe(422);
      expect(response.body.error.issues.map((issue: { path: string }) => issue.path)).toContain(pointer);
    };
    await refused("/api/v1/runs/bulk-cancel", { filter: {} }, "/filter");
    await refused("/api/v1/runs/bulk-cancel", {}, "/filter");
    await refused("/api/v1/runs/bulk-cancel", { filter: { status: "completed" } }, "/filter/status");
    await refused("/api/v1/runs/bulk-cancel", { filter: { status: "sleeping" } }, "/filter/status");
    await refused("/api/v1/runs/bulk-replay", { filter: { createdBefore: "yesterday" } }, "/filter/createdBefore");
    await refused("/api/v1/runs/bulk-replay", { filter: { task: "bulk-refused", owner: "me" } }, "/filter");
    await refused("/api/v1/runs/bulk-replay", { filter: { task: "bulk-refused" }, dryRun: "yes" }, "/dryRun");
    expect(await redisState(stack.engine.resources.redis, stack.prefix)).toEqual(before);

    const unknown = await stack.http("GET", "/api/v1/bulk-actions/bulk_01J9Z8K3M4N5P6Q7");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("bulk_action_not_found");
    expect((await stack.http("GET", "/api/v1/bulk-actions/nope")).status).toBe(404);
  });
});
