import { createWorker, task, timers } from "@helmr/sdk";
import { pino } from "pino";
import type { BenchContext } from "../context.ts";
import { DELAY_MS, Signal, now, summarize, type Summary } from "../stats.ts";
import type { RawBaseline } from "./raw-bullmq.ts";

/**
 * Helmr measured the same way: trigger() to the task's first line, and a timer's due time
 * to the first line after `timers.waitUntil` in the resumed (replayed) run. With `raw`, one
 * raw BullMQ handoff right before each trigger ("interleaved"), as the resume benchmark
 * does: both then reach a worker at the same moments of a noisy machine.
 */
export async function helmrRuns(
  ctx: BenchContext,
  runs: number,
  timerRuns: number,
  raw?: RawBaseline,
): Promise<{ trigger: Summary; timer: Summary; rawInterleaved: Summary | null }> {
  const firstLine = new Signal<number>();
  const first = task({ id: "first-line", retry: { maxAttempts: 1 }, run: async () => void firstLine.push(now()) });
  const timerTask = task({
    id: "timer",
    retry: { maxAttempts: 1 },
    run: async ({ dueAt }: { dueAt: number }) => {
      await timers.waitUntil(dueAt);
      firstLine.push(now());
    },
  });
  const worker = await createWorker({ tasks: [first, timerTask], redis: ctx.redisUrl, prefix: ctx.prefix, concurrency: 50, logger: pino({ level: "warn" }) });

  const trigger: number[] = [];
  const rawInterleaved: number[] = [];
  for (let i = 0; i < runs + 100; i++) {
    const rawMs = raw ? await raw.handoff() : 0;
    const t0 = now();
    const next = firstLine.next();
    await ctx.engine.runs.trigger("first-line", { payload: i });
    const at = await next;
    if (i >= 100) {
      trigger.push(at - t0);
      rawInterleaved.push(rawMs);
    }
  }

  // One timer at a time, as for raw BullMQ's delayed jobs.
  const timer: number[] = [];
  for (let i = 0; i < timerRuns; i++) {
    const dueAt = now() + DELAY_MS;
    const next = firstLine.next();
    await ctx.engine.runs.trigger("timer", { payload: { dueAt } });
    timer.push((await next) - dueAt);
  }

  await worker.close();
  return { trigger: summarize(trigger), timer: summarize(timer), rawInterleaved: raw ? summarize(rawInterleaved) : null };
}
