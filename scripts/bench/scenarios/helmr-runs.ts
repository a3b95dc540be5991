import { createWorker, task, timers } from "@helmr/sdk";
import { pino } from "pino";
import type { BenchContext } from "../context.ts";
import { DELAY_MS, Signal, now, summarize, type Summary } from "../stats.ts";

/**
 * Helmr measured the same way: trigger() to the task's first line, and a timer's due time
 * to the first line after `timers.waitUntil` in the resumed (replayed) run.
 */
export async function helmrRuns(ctx: BenchContext, runs: number, timerRuns: number): Promise<{ trigger: Summary; timer: Summary }> {
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
  for (let i = 0; i < runs + 100; i++) {
    const t0 = now();
    const next = firstLine.next();
    await ctx.engine.runs.trigger("first-line", { payload: i });
    const at = await next;
    if (i >= 100) trigger.push(at - t0);
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
  return { trigger: summarize(trigger), timer: summarize(timer) };
}
