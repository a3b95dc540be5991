import { createWorker, streams, task, timers, waits } from "@helmr/sdk";
import { pino } from "pino";
import { benchContext, type BenchContext } from "./context.ts";
import { startRawBaseline, type RawBaseline } from "./scenarios/raw-bullmq.ts";
import { Signal, now, row, summarize, type Summary } from "./stats.ts";

/**
 * A parent's triggerAndWait to the child's first line, the child's end
 * to the parent's resumed code, a batch of 1,000 children from the parent's call to its
 * resumed code, and waits.first against a plain input wait, each beside a raw BullMQ
 * handoff measured interleaved in the same run (one raw handoff before each probe).
 */
const childStarted = new Signal<number>();
const parentResumed = new Signal<{ calledAt: number; childEnded: number; resumedAt: number }>();
const batchDone = new Signal<number>();
const inputResumed = new Signal<number>();

const child = task({
  id: "bench-child",
  retry: { maxAttempts: 1 },
  run: async () => {
    childStarted.push(now());
    return now();
  },
});
const parent = task({
  id: "bench-parent",
  retry: { maxAttempts: 1 },
  run: async () => {
    const calledAt = now();
    const endedAt = (await child.triggerAndWait({}).unwrap()) as number;
    parentResumed.push({ calledAt, childEnded: endedAt, resumedAt: now() });
  },
});
const member = task({ id: "bench-member", retry: { maxAttempts: 1 }, run: async () => 1 });
const fanOut = task({
  id: "bench-fan-out",
  retry: { maxAttempts: 1 },
  run: async ({ count }: { count: number }) => {
    const t0 = now();
    await member.batchTriggerAndWait(Array.from({ length: count }, () => ({ payload: {} })));
    batchDone.push(now() - t0);
  },
});
const reply = streams.input<number>("bench-reply");
const plainWaiter = task({
  id: "bench-plain-waiter",
  retry: { maxAttempts: 1 },
  run: async ({ corr }: { corr: string }) => {
    await reply.wait({ correlationId: corr });
    inputResumed.push(now());
  },
});
const firstWaiter = task({
  id: "bench-first-waiter",
  retry: { maxAttempts: 1 },
  run: async ({ corr }: { corr: string }) => {
    await waits.first({ reply: reply.waitFor({ correlationId: corr }), timeout: timers.after("1h") });
    inputResumed.push(now());
  },
});

export async function childBenchmarks(options: { probes: number; batch: number; batches: number }): Promise<void> {
  const ctx = await benchContext();
  const worker = await createWorker({
    tasks: [child, parent, member, fanOut, plainWaiter, firstWaiter],
    redis: ctx.redisUrl,
    prefix: ctx.prefix,
    concurrency: 200,
    logger: pino({ level: "warn" }),
  });
  const baseline = await startRawBaseline(ctx.redisUrl);
  try {
    const children = await childRuns(ctx, options.probes, baseline);
    console.log(row("raw BullMQ: add -> handler, interleaved", children.raw));
    console.log(row("Helmr: triggerAndWait -> child's first line", children.start, children.raw));
    console.log(row("Helmr: child's end -> parent's resumed code", children.end, children.raw));

    const batch = await batches(ctx, options.batch, options.batches);
    const rawBatch = await rawBatchOf(baseline, options.batch, options.batches);
    console.log(row(`raw BullMQ: ${options.batch.toLocaleString("en")} jobs added at once -> last handled`, rawBatch));
    console.log(row(`Helmr: batch of ${options.batch.toLocaleString("en")} children -> parent resumed`, batch, rawBatch));

    const first = await firstAgainstPlain(ctx, options.probes, baseline);
    console.log(row("raw BullMQ: add -> handler, interleaved", first.raw));
    console.log(row("Helmr: input -> resumed code, plain input wait", first.plain, first.raw));
    console.log(row("Helmr: input -> resumed code, waits.first", first.first, first.raw));
    console.log(`  waits.first p50 ${(first.first.p50 / first.plain.p50).toFixed(2)}x the plain wait's`);
  } finally {
    await baseline.close();
    await worker.close();
    await ctx.close();
  }
}

/** One parent at a time: its triggerAndWait to the child's first line, and the child's end to the parent's next line. */
async function childRuns(ctx: BenchContext, probes: number, baseline: RawBaseline): Promise<{ start: Summary; end: Summary; raw: Summary }> {
  const start: number[] = [];
  const end: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < probes + 50; i++) {
    const rawMs = await baseline.handoff();
    const started = childStarted.next();
    const resumed = parentResumed.next();
    await ctx.engine.runs.trigger("bench-parent", { payload: {} });
    const childAt = await started;
    const { calledAt, childEnded, resumedAt } = await resumed;
    if (i < 50) continue; // warm-up
    start.push(childAt - calledAt);
    end.push(resumedAt - childEnded);
    raw.push(rawMs);
  }
  return { start: summarize(start), end: summarize(end), raw: summarize(raw) };
}

/** A parent's batchTriggerAndWait of `size` children, from its call to its next line, `rounds` times. */
async function batches(ctx: BenchContext, size: number, rounds: number): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < rounds + 1; i++) {
    const done = batchDone.next();
    await ctx.engine.runs.trigger("bench-fan-out", { payload: { count: size } });
    const ms = await done;
    if (i > 0) samples.push(ms); // the first warms up
  }
  return summarize(samples);
}

/** The baseline for a batch: `size` BullMQ jobs added at once to the last one handled. */
async function rawBatchOf(baseline: RawBaseline, size: number, rounds: number): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push(await baseline.burst(size));
  return summarize(samples);
}

/** Input to resumed code for runs parked on a plain input wait and on waits.first (input or timer), alternating. */
async function firstAgainstPlain(ctx: BenchContext, probes: number, baseline: RawBaseline): Promise<{ plain: Summary; first: Summary; raw: Summary }> {
  const park = async (taskId: string, tag: string) => {
    const parked = await Promise.all(
      Array.from({ length: probes + 50 }, async (_, i) => {
        const corr = `${tag}-${i}`;
        return { ...(await ctx.engine.runs.trigger(taskId, { payload: { corr } })), corr };
      }),
    );
    const { redis, keys } = ctx.engine.resources;
    for (const p of parked) while ((await redis.hget(keys.run(p.runId), "status")) !== "waiting") await new Promise((r) => setTimeout(r, 5));
    return parked;
  };
  const plainRuns = await park("bench-plain-waiter", "plain");
  const firstRuns = await park("bench-first-waiter", "first");
  const plain: number[] = [];
  const first: number[] = [];
  const raw: number[] = [];
  const probe = async (target: { sessionId: string; corr: string }) => {
    const next = inputResumed.next();
    const t0 = now();
    await ctx.engine.streams.deliver(target.sessionId, "bench-reply", 1, target.corr);
    return (await next) - t0;
  };
  for (let i = 0; i < probes + 50; i++) {
    const rawMs = await baseline.handoff();
    const plainMs = await probe(plainRuns[i]);
    const firstMs = await probe(firstRuns[i]);
    if (i < 50) continue;
    raw.push(rawMs);
    plain.push(plainMs);
    first.push(firstMs);
  }
  return { plain: summarize(plain), first: summarize(first), raw: summarize(raw) };
}
