import type { RetentionPolicy } from "@helmr/broker";
import { masters } from "@helmr/broker";
import { createWorker, streams, task, tokens } from "@helmr/sdk";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { benchContext } from "./context.ts";
import { Signal, now, row, summarize } from "./stats.ts";
import { usedMemory } from "./scenarios/helmr-streams.ts";

/**
 * The retention soak: whole conversations (an output, a token created with a 1 h timeout and
 * never completed, a park on input with a 1 h timeout, the input, the end), each in a
 * session of its own, with retention of a few seconds (runs, sessions, idle sessions closed),
 * while deliveries keep going. Redis used_memory is sampled along the way, and Helmr's keys
 * are counted by kind before the load and once the sweeper caught up after it: what a
 * conversation leaves shows as a kind that grew. The sweeper (run here, timed, rather than
 * by the worker) reports its cost per deleted record; input → resumed is measured while the
 * sweeper works and while it does not.
 */
const answer = streams.input<number>("soak-answer");
const said = streams.output("soak-said");
const resumed = new Signal<number>();
const soak = task({
  id: "soak",
  retry: { maxAttempts: 1 },
  run: async () => {
    await said.append({ hello: true });
    await tokens.create({ timeout: "1h" });
    const value = await answer.wait({ timeout: "1h" }).unwrap();
    resumed.push(now());
    return value;
  },
});

/** Every key on every master, by kind: ids and numbers replaced, so one kind counts all its keys. */
async function keysByKind(redis: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const node of masters(redis)) {
    let cursor = "0";
    do {
      const [next, found] = await node.scan(cursor, "COUNT", 1000);
      cursor = next;
      for (const key of found) {
        const kind = key
          .replace(/\{[^}]*\}/g, "{}")
          .replace(/(run|tok|ses|pat)_[0-9A-Za-z_]+/g, "$1_*")
          .replace(/[0-9A-Z]{16}/g, "*")
          .replace(/runs-w-[\w-]+/g, "runs-w-*")
          .replace(/:\d+$/, ":N");
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
      }
    } while (cursor !== "0");
  }
  return counts;
}

function keyTable(before: Map<string, number>, after: Map<string, number>, conversations: number): string {
  const kinds = [...new Set([...before.keys(), ...after.keys()])].sort();
  const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
  const lines = ["| key kind | before the load | after it, swept | grew by |", "| --- | --- | --- | --- |"];
  for (const kind of kinds) {
    const [b, a] = [before.get(kind) ?? 0, after.get(kind) ?? 0];
    if (a !== b || b > 0) lines.push(`| \`${kind}\` | ${b} | ${a} | ${a - b} |`);
  }
  lines.push(
    `| all | ${total(before)} | ${total(after)} | ${total(after) - total(before)} (${((total(after) - total(before)) / conversations).toFixed(4)} per conversation) |`,
  );
  return lines.join("\n");
}

/**
 * The sweeper's own cost: `count` runs finished (each in its session) while nobody sweeps,
 * then swept as if past every retention until nothing is left, with nothing else running.
 */
async function sweepBacklog(
  ctx: Awaited<ReturnType<typeof benchContext>>,
  retention: RetentionPolicy,
  count: number,
): Promise<{ records: number; ms: number }> {
  const { redis, keys } = ctx.engine.resources;
  const runs = await Promise.all(Array.from({ length: count }, () => ctx.engine.runs.trigger("soak", { payload: {} })));
  for (const { runId } of runs) while ((await redis.hget(keys.run(runId), "status")) !== "waiting") await new Promise((r) => setTimeout(r, 2));
  await Promise.all(runs.map(({ sessionId }, i) => ctx.engine.streams.deliver(sessionId, "soak-answer", i)));
  for (const { runId } of runs) while ((await redis.hget(keys.run(runId), "status")) !== "completed") await new Promise((r) => setTimeout(r, 2));
  // Sweeps "later": first past the run retention and idle time, then past the session retention of the sessions that closed.
  let records = 0;
  const t0 = performance.now();
  for (const later of [60_000, 120_000]) {
    for (;;) {
      const done = await ctx.engine.retention.sweep(retention, Date.now() + later);
      records += done.runs + done.sessions;
      if (done.runs + done.sessions + done.closed === 0) break;
    }
  }
  return { records, ms: performance.now() - t0 };
}

export async function retentionSoak(options: { runs: number; wave: number; probes: number }): Promise<void> {
  const ctx = await benchContext();
  const retention = { runMs: 2_000, sessionMs: 2_000, sessionIdleCloseMs: 2_000, tokenMs: 0 };
  // The worker sweeps nothing itself: the benchmark runs the sweeper, to time it.
  const worker = await createWorker({
    tasks: [soak],
    redis: ctx.redisUrl,
    prefix: ctx.prefix,
    concurrency: 200,
    logger: pino({ level: "warn" }),
    retention: { runMs: 0, sessionMs: 0, sessionIdleCloseMs: 0, tokenMs: 0 },
    secret: "bench-secret-0123456789-abcdefghijklmnop",
    publicUrl: "http://127.0.0.1:3000",
  });
  const { redis, keys } = ctx.engine.resources;
  const keysBefore = await keysByKind(redis);
  let sweeping = true;
  let sweepMs = 0;
  let deleted = 0;
  const sweeper = (async () => {
    while (sweeping) {
      const t0 = performance.now();
      const done = await ctx.engine.retention.sweep(retention);
      sweepMs += performance.now() - t0;
      deleted += done.runs + done.sessions;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  try {
    const oneProbe = async () => {
      const { runId, sessionId } = await ctx.engine.runs.trigger("soak", { payload: {} });
      while ((await redis.hget(keys.run(runId), "status")) !== "waiting") await new Promise((r) => setImmediate(r));
      const next = resumed.next();
      const t0 = now();
      await ctx.engine.streams.deliver(sessionId, "soak-answer", 1);
      return (await next) - t0;
    };
    const samples: { after: number; bytes: number; settleMs: number }[] = [];
    const during: number[] = [];
    let done = 0;
    while (done < options.runs) {
      const wave = await Promise.all(Array.from({ length: options.wave }, () => ctx.engine.runs.trigger("soak", { payload: {} })));
      for (const { runId } of wave) while ((await redis.hget(keys.run(runId), "status")) !== "waiting") await new Promise((r) => setTimeout(r, 2));
      await Promise.all(wave.map(({ sessionId }, i) => ctx.engine.streams.deliver(sessionId, "soak-answer", i)));
      for (const { runId } of wave) while ((await redis.hget(keys.run(runId), "status")) !== "completed") await new Promise((r) => setTimeout(r, 2));
      done += wave.length;
      // Every 10,000 runs the load pauses until the sweeper has deleted everything that
      // ended (the due index empty): what is within its retention at a given moment swings
      // by several MB with the sweeper's lag, what stays after it is what would leak.
      if (done % 10_000 === 0) {
        const t0 = performance.now();
        while ((await Promise.all(keys.shards.map((shard) => redis.zcard(shard.retentionDue())))).some((due) => due > 0) && performance.now() - t0 < 120_000)
          await new Promise((r) => setTimeout(r, 100));
        samples.push({ after: done, bytes: await usedMemory(ctx), settleMs: performance.now() - t0 });
      }
      if (done % 5_000 === 0) during.push(await oneProbe());
    }
    // Once the last wave is swept (the due index empty), no conversation's key may be left.
    const settleFrom = performance.now();
    while (
      (await Promise.all(keys.shards.map((shard) => redis.zcard(shard.retentionDue())))).some((due) => due > 0) &&
      performance.now() - settleFrom < 120_000
    )
      await new Promise((r) => setTimeout(r, 100));
    const keysAfter = await keysByKind(redis);
    console.log(
      `Retention soak, Helmr's and BullMQ's keys by kind (${options.runs.toLocaleString("en")} conversations, each: an output, a token never completed, an input wait with a timeout):`,
    );
    console.log(keyTable(keysBefore, keysAfter, options.runs));
    if (process.env.BENCH_SOAK_KEYS) {
      const counts = new Map<string, { n: number; bytes: number }>();
      let cursor = "0";
      do {
        const [next, found] = await redis.scan(cursor, "COUNT", 1000);
        cursor = next;
        for (const key of found) {
          const kind = key
            .replace(/\{[^}]*\}/, "{}")
            .replace(/[0-9A-Z]{16}/g, "*")
            .replace(/:\d+$/, ":N");
          const entry = counts.get(kind) ?? { n: 0, bytes: 0 };
          entry.n++;
          entry.bytes += Number(await redis.call("MEMORY", "USAGE", key, "SAMPLES", "0"));
          counts.set(kind, entry);
        }
      } while (cursor !== "0");
      for (const [kind, { n, bytes }] of [...counts].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 12))
        console.log(`${kind}: ${n} keys, ${(bytes / 1e6).toFixed(2)} MB`);
      console.log("dbsize", await redis.dbsize(), (await redis.info("keyspace")).trim());
      console.log(
        (await redis.info("memory"))
          .split("\n")
          .filter((l) => /^(used_memory|mem_|used_memory_vm|allocator|lazyfree)/.test(l))
          .join(" "),
      );
    }
    const first = samples[0];
    console.log(
      `Retention soak: ${options.runs.toLocaleString("en")} conversations (trigger → output → token → park on input → input → complete, a session each), run and session retention 2 s, idle sessions closed after 2 s`,
    );
    console.log("| runs so far | Redis used_memory once the sweeper caught up | against 10,000 runs | catching up took |\n| --- | --- | --- | --- |");
    for (const s of samples)
      console.log(
        `| ${s.after.toLocaleString("en")} | ${(s.bytes / 1e6).toFixed(1)} MB | ${(s.bytes / first.bytes).toFixed(2)}x | ${(s.settleMs / 1000).toFixed(1)} s |`,
      );
    console.log(
      `Retention sweeper: ${deleted.toLocaleString("en")} runs and sessions deleted in ${(sweepMs / 1000).toFixed(1)} s of sweeping: ${((sweepMs * 1000) / Math.max(1, deleted)).toFixed(0)} µs per deleted record`,
    );
    const withSweeper: number[] = [];
    for (let i = 0; i < options.probes; i++) withSweeper.push(await oneProbe());
    sweeping = false;
    await sweeper;
    const without: number[] = [];
    for (let i = 0; i < options.probes; i++) without.push(await oneProbe());
    const alone = await sweepBacklog(ctx, retention, options.wave * 5);
    console.log(
      `Retention sweeper alone (nothing else running): ${alone.records.toLocaleString("en")} runs and sessions (their runs deleted, sessions closed as idle, then erased) in ${(alone.ms / 1000).toFixed(2)} s: ${((alone.ms * 1000) / alone.records).toFixed(0)} µs per deleted record`,
    );
    console.log(row("Helmr: input -> resumed, sweeper idle", summarize(without)));
    console.log(row("Helmr: input -> resumed, sweeper working", summarize(withSweeper), summarize(without), "idle"));
    console.log(row("Helmr: input -> resumed, during the soak", summarize(during), summarize(without), "idle"));
  } finally {
    sweeping = false;
    await sweeper;
    await worker.close();
    await ctx.close();
  }
}
