import { WaitingIndex, type WaitingEntry } from "@helmr/broker";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type TestStack } from "../harness/stack.ts";
import { deleteAll } from "../harness/redis-state.ts";

/**
 * The waiting-runs index keeps parked runs in small sorted sets ("buckets") found through
 * a directory of start scores (lua/addWaiting-3.lua). Random adds (out of order too) and
 * removals, with buckets of 3 so they split and empty all the time, must list exactly
 * what a plain sorted set would, in its order, and find every member again by its score.
 */
type Op = { op: "add"; run: number; since: number; kind: WaitKind } | { op: "remove"; run: number } | { op: "stale"; run: number };
type WaitKind = "input" | "token" | "timer" | "run" | "batch" | "first";
/** The fraction of its score that says an entry's kind (waiting-index.ts). */
const FRACTION: Record<WaitKind, number> = { input: 0.25, token: 0.5, timer: 0.75, run: 0.875, batch: 0.9375, first: 0.96875 };

const RUNS = 12;
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("add" as const),
      run: fc.nat(RUNS - 1),
      since: fc.integer({ min: 1_000, max: 1_060 }),
      kind: fc.constantFrom<WaitKind>("input", "token", "timer", "run", "batch", "first"),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("remove" as const), run: fc.nat(RUNS - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("stale" as const), run: fc.nat(RUNS - 1) }) },
);

let stack: TestStack;
beforeAll(async () => (stack = await startStack()));
afterAll(() => stack?.close());

const byAge = (a: WaitingEntry, b: WaitingEntry) => a.score - b.score || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);
const entryOf = (runId: string, since: number, kind: WaitKind): WaitingEntry => ({ runId, since, score: since + FRACTION[kind] });

async function listAll(index: WaitingIndex, after?: WaitingEntry): Promise<WaitingEntry[]> {
  const all: WaitingEntry[] = [];
  for await (const entries of index.entries(after)) all.push(...entries);
  return all;
}

describe("waiting index", () => {
  it("lists and removes like one sorted set, whatever the order of adds and removals", async () => {
    const { redis, keys } = stack.engine.resources;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
        await deleteAll(redis, `${keys.shards[0].waitingBuckets()}*`);
        const index = new WaitingIndex(stack.engine.resources, 3);
        const model = new Map<string, { since: number; kind: WaitKind }>();
        for (const step of ops) {
          const runId = `run_${step.run}`;
          if (step.op === "add") {
            // A run waits on one thing at a time: it is removed before it parks again.
            if (model.has(runId)) continue;
            await index.add(redis.pipeline(), runId, step.since, step.kind).exec();
            model.set(runId, { since: step.since, kind: step.kind });
          } else if (step.op === "remove") {
            const added = model.get(runId);
            if (added === undefined) continue;
            expect(await index.removeNow(redis, runId, added.since)).toBe(1);
            model.delete(runId);
          } else {
            // A removal with a score the run no longer has (a late one) leaves its entry alone.
            const added = model.get(runId);
            if (added === undefined) continue;
            expect(await index.removeNow(redis, runId, added.since + 1)).toBe(0);
          }
        }
        const expected = [...model].map(([runId, { since, kind }]) => entryOf(runId, since, kind)).sort(byAge);
        expect(await listAll(index)).toEqual(expected);
        // Counted by kind as they come and go.
        const kinds = { input: 0, token: 0, timer: 0, run: 0, batch: 0, first: 0 };
        for (const { kind } of model.values()) kinds[kind]++;
        expect(await index.countsByKind()).toEqual(kinds);
        // Paging resumes after any entry without gaps or repeats.
        for (let i = 0; i < expected.length; i++) expect(await listAll(index, expected[i])).toEqual(expected.slice(i + 1));
        // Buckets never outgrow their size by more than the late arrivals that fall in them.
        const directory = await redis.zrange(keys.shards[0].waitingDirectory(), 0, -1);
        for (const bucket of directory.slice(0, -1)) expect(await redis.exists(keys.shards[0].waitingBuckets() + bucket)).toBe(1);
      }),
      { numRuns: 60 },
    );
  });

  it("counts a run that parks again in the same bucket before its old entry went once, under its new kind", async () => {
    const { redis, keys } = stack.engine.resources;
    await deleteAll(redis, `${keys.shards[0].waitingBuckets()}*`);
    const index = new WaitingIndex(stack.engine.resources);
    await index.add(redis.pipeline(), "run_again", 2_000, "input").exec();
    await index.add(redis.pipeline(), "run_other", 2_000, "token").exec();
    await index.add(redis.pipeline(), "run_again", 2_005, "timer").exec();
    expect(await listAll(index)).toEqual([entryOf("run_other", 2_000, "token"), entryOf("run_again", 2_005, "timer")]);
    expect(await index.countsByKind()).toEqual({ input: 0, token: 1, timer: 1, run: 0, batch: 0, first: 0 });
    // The old wait's removal, arriving late, leaves the new entry and its count alone.
    expect(await index.removeNow(redis, "run_again", 2_000)).toBe(0);
    expect(await index.removeNow(redis, "run_again", 2_005)).toBe(1);
    expect(await index.countsByKind()).toEqual({ input: 0, token: 1, timer: 0, run: 0, batch: 0, first: 0 });
  });

  it("keeps buckets within their size when runs arrive out of order, so Redis keeps them compact", async () => {
    const { redis, keys } = stack.engine.resources;
    await deleteAll(redis, `${keys.shards[0].waitingBuckets()}*`);
    const index = new WaitingIndex(stack.engine.resources, 8);
    // Distinct scores in a shuffled order: late arrivals land in full buckets all the time.
    const entries = Array.from({ length: 200 }, (_, i) => entryOf(`run_${String(i).padStart(3, "0")}`, 5_000 + i * 3, "timer"));
    const shuffled = [...entries].sort((a, b) => ((a.since * 7919) % 211) - ((b.since * 7919) % 211));
    for (const entry of shuffled) await index.add(redis.pipeline(), entry.runId, entry.since, "timer").exec();
    expect(await listAll(index)).toEqual(entries);
    for (const bucket of await redis.zrange(keys.shards[0].waitingDirectory(), 0, -1))
      expect(await redis.zcard(keys.shards[0].waitingBuckets() + bucket)).toBeLessThanOrEqual(8);
    for (const entry of shuffled) expect(await index.removeNow(redis, entry.runId, entry.since)).toBe(1);
    expect(await listAll(index)).toEqual([]);
  });

  it("is empty again once every parked run has resumed, been cancelled or had its session closed", async () => {
    const { engine } = stack;
    const { redis, keys } = engine.resources;
    await deleteAll(redis, `${keys.shards[0].waitingBuckets()}*`);
    await engine.tasks.register(["idx"]);
    const parked: { runId: string; sessionId: string; fence: string; corr: string }[] = [];
    for (let i = 0; i < 9; i++) {
      const { runId, sessionId } = await engine.runs.trigger("idx", {});
      const job = await redis.hget(keys.run(runId), "job");
      const started = await engine.executions.start(runId, job!, 3);
      if (started.status !== "run") throw new Error("did not start");
      const corr = `c${i}`;
      const wait = { kind: "input" as const, position: 0, since: Date.now(), stream: "s", correlationId: corr };
      expect((await engine.executions.waitForInput(runId, started.fence, 0, { kind: "input", stream: "s", correlationId: corr }, wait, true)).status).toBe(
        "parked",
      );
      parked.push({ runId, sessionId, fence: started.fence, corr });
    }
    expect((await engine.waits.list({ limit: 50 })).data.map((w) => w.runId)).toEqual(parked.map((p) => p.runId));
    for (const [i, p] of parked.entries()) {
      if (i % 3 === 0) await engine.streams.deliver(p.sessionId, "s", i, p.corr);
      else if (i % 3 === 1) await engine.runs.cancel(p.runId);
      else await engine.sessions.close(p.sessionId);
    }
    expect(await listAll(new WaitingIndex(engine.resources))).toEqual([]);
    expect((await engine.waits.list({ limit: 50 })).data).toEqual([]);
  });

  it("a wait listing skips entries of runs that do not wait, and drops them once they are old enough not to be mid-park", async () => {
    const { engine } = stack;
    const { redis, keys } = engine.resources;
    await deleteAll(redis, `${keys.shards[0].waitingBuckets()}*`);
    const index = new WaitingIndex(engine.resources);
    await engine.tasks.register(["idx"]);
    const { runId } = await engine.runs.trigger("idx", {}); // queued: it does not wait
    const old = Date.now() - 60_000;
    const recent = Date.now();
    await index.add(redis.pipeline(), runId, old, "input").exec();
    expect((await engine.waits.list({ limit: 50 })).data).toEqual([]);
    expect(await listAll(index)).toEqual([]);
    // A recent entry may be a run whose park script is still on its way: skipped, but kept.
    await index.add(redis.pipeline(), runId, recent, "input").exec();
    expect((await engine.waits.list({ limit: 50 })).data).toEqual([]);
    expect(await listAll(index)).toEqual([entryOf(runId, recent, "input")]);
  });
});
