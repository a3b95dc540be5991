import type { Page } from "@helmr/core";
import { streams, task } from "@helmr/sdk";
import calculateSlot from "cluster-key-slot";
import type { Cluster } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const answer = streams.input<string>("sharded-answer");
const waiter = task({ id: "sharded-waiter", run: async () => answer.wait().unwrap() });

/** Every page of a listing, `limit` at a time, following its cursor. */
async function allPages<T>(list: (cursor?: string) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list(cursor);
    items.push(...page.data);
    pages++;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { items, pages };
}

/**
 * With HELMR_QUEUE_SHARDS the global structures every resume or trigger writes
 * (id logs, outbox, waiting index, change marks, retention due index) come in a copy per
 * shard, and the lists over them stay ordered and paged with one cursor.
 */
describe("global structures sharded over the cluster", () => {
  it("spreads runs, sessions, tokens and waits over the shards, and lists each in order with one cursor", async () => {
    stack = await startStack({ queueShards: 4 });
    await stack.startWorker({ tasks: [waiter] });
    const { redis, keys } = stack.engine.resources;
    // One after another, so the order they were made in is known.
    const runs: { runId: string; sessionId: string }[] = [];
    for (let i = 0; i < 40; i++) runs.push(await stack.client.tasks.trigger("sharded-waiter"));
    const tokens: string[] = [];
    for (let i = 0; i < 12; i++) tokens.push((await stack.client.tokens.create({ timeout: "1h" })).id);
    for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");

    // Each shard holds some of them, under its own hash tag, and the tags are served by more than one master.
    const logged = await Promise.all(keys.shards.map((shard) => redis.xlen(shard.runsIndex())));
    expect(logged.every((count) => count > 0)).toBe(true);
    expect(logged.reduce((a, b) => a + b)).toBe(40);
    const parked = await Promise.all(keys.shards.map(async (shard) => (await redis.zrange(shard.waitingDirectory(), 0, -1)).length));
    expect(parked.every((buckets) => buckets > 0)).toBe(true);
    const slots = keys.shards.map((shard) => calculateSlot(shard.runsIndex()));
    expect(new Set(slots).size).toBe(4);
    const nodeOf = (redis as unknown as Cluster).slots;
    expect(new Set(slots.map((slot) => nodeOf[slot]?.[0])).size).toBeGreaterThan(1);
    // A shard's structures share its slot.
    for (const shard of keys.shards) {
      expect(
        new Set(
          [shard.sessionsIndex(), shard.tokensIndex(), shard.dispatchOutbox(), shard.waitingDirectory(), shard.changes(), shard.retentionDue()].map((key) =>
            calculateSlot(key),
          ),
        ).size,
      ).toBe(1);
    }

    // Newest first over every shard, 7 a page: exactly the reverse of the order they were made in.
    const listedRuns = await allPages((cursor) => stack.client.runs.list({ limit: 7, cursor }));
    expect(listedRuns.items.map((run) => run.id)).toEqual(runs.map((run) => run.runId).reverse());
    expect(listedRuns.pages).toBe(6);
    const listedSessions = await allPages((cursor) => stack.client.sessions.list({ limit: 7, cursor }));
    expect(listedSessions.items.map((session) => session.id)).toEqual(runs.map((run) => run.sessionId).reverse());
    const listedTokens = await allPages((cursor) => stack.client.tokens.list({ limit: 5, cursor }));
    expect(listedTokens.items.map((token) => token.id)).toEqual([...tokens].reverse());
    // Waits oldest first, 7 a page: every parked run once, in the order they parked.
    const listedWaits = await allPages((cursor) => stack.client.waits.list({ limit: 7, cursor }));
    const waits = listedWaits.items.map((wait) => ({ runId: wait.runId, since: Date.parse(wait.waitingSince) }));
    expect(waits.map((wait) => wait.runId).sort()).toEqual(runs.map((run) => run.runId).sort());
    expect(waits).toEqual([...waits].sort((a, b) => a.since - b.since || (a.runId < b.runId ? -1 : 1)));

    // Every run resumes with its own input; the waiting index and the outboxes empty on every shard.
    for (const [i, { sessionId }] of runs.entries()) await stack.client.sessions.open(sessionId).input("sharded-answer").send(`answer ${i}`);
    for (const [i, { runId }] of runs.entries()) expect((await runReaches(stack.client, runId, "completed")).output).toBe(`answer ${i}`);
    expect((await stack.client.waits.list()).data).toEqual([]);
    const leftOn = async (shard: (typeof keys.shards)[number]) => {
      let left = await redis.zcard(shard.dispatchOutbox());
      for (const bucket of await redis.zrange(shard.waitingDirectory(), 0, -1)) left += await redis.zcard(shard.waitingBuckets() + bucket);
      return left;
    };
    await eventually(async () => (await Promise.all(keys.shards.map(leftOn))).every((left) => left === 0), {
      what: "every shard's outbox and waiting index to empty",
    });
  });

  it("refuses a cursor naming a shard this prefix does not have", async () => {
    stack = await startStack({ queueShards: 2 });
    const refused = await stack.http("GET", "/api/v1/runs?cursor=1700000000000-0.7");
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBeDefined();
  });
});
