import { forEachAtMost } from "@helmr/broker";
import { createWorker, task } from "@helmr/sdk";
import { pino } from "pino";
import { benchContext } from "./context.ts";
import { Signal, now, row, summarize, type Summary } from "./stats.ts";

/**
 * Flow control (broker systems/flow.ts), two figures:
 * - trigger -> the task's first line for a task with a limit and a concurrencyKey, next to
 *   the same task without limits, probes interleaved one by one in the same run (goal:
 *   within 1.2x): what taking and giving back a slot costs an uncontended run;
 * - fairness: one tenant with `noisy` runs queued, then ten tenants with ten runs each, on
 *   a task of limit 10, each run 20 ms; the quiet tenants' start delays (trigger to first line) with
 *   per-key turns (concurrencyKey), next to the same backlog in one line (no key).
 */
/** How long each run of the fairness scenario executes. */
const RUN_MS = 20;

export async function flowBenchmarks({ probes, noisy }: { probes: number; noisy: number }): Promise<void> {
  const ctx = await benchContext();
  try {
    await ctx.engine.ready();
    const firstLine = new Signal<number>();
    const open = task({ id: "bench-open", retry: { maxAttempts: 1 }, run: async () => void firstLine.push(now()) });
    const limited = task({
      id: "bench-limited",
      retry: { maxAttempts: 1 },
      concurrency: { limit: 50, perKey: 10 },
      run: async () => void firstLine.push(now()),
    });
    const started = new Map<number, number>();
    const work = async ({ i }: { i: number }) => {
      started.set(i, now());
      await new Promise((resolve) => setTimeout(resolve, RUN_MS));
    };
    const fair = task({ id: "bench-fair", retry: { maxAttempts: 1 }, concurrency: { limit: 10, perKey: 10 }, run: work });
    const fifo = task({ id: "bench-fifo", retry: { maxAttempts: 1 }, concurrency: { limit: 10 }, run: work });
    const worker = await createWorker({
      tasks: [open, limited, fair, fifo],
      redis: ctx.redisUrl,
      prefix: ctx.prefix,
      concurrency: 50,
      logger: pino({ level: "warn" }),
    });

    const samples = { open: [] as number[], limited: [] as number[] };
    for (let i = 0; i < probes + 100; i++) {
      for (const which of ["open", "limited"] as const) {
        const t0 = now();
        const next = firstLine.next();
        await ctx.engine.runs.trigger(`bench-${which}`, { payload: i, ...(which === "limited" ? { concurrencyKey: `tenant-${i % 7}` } : {}) });
        const at = await next;
        if (i >= 100) samples[which].push(at - t0);
      }
    }
    const open_ = summarize(samples.open);
    console.log(`Flow control: ${probes} triggers each, one at a time, interleaved`);
    console.log(row("Helmr: trigger -> first line, no limits", open_));
    console.log(row("Helmr: trigger -> first line, limit and key", summarize(samples.limited), open_, "no limits"));

    console.log(`Fairness: one tenant with ${noisy} runs queued, then 10 tenants with 10 each; limit 10, runs of ${RUN_MS} ms`);
    const fifoDelays = await quietDelays(ctx.engine, "bench-fifo", false, noisy, started);
    const fairDelays = await quietDelays(ctx.engine, "bench-fair", true, noisy, started);
    console.log(row("quiet tenants' start delay, one line (no key)", fifoDelays));
    console.log(row("quiet tenants' start delay, keys taking turns", fairDelays, fifoDelays, "one line"));
    await worker.close();
  } finally {
    await ctx.close();
  }
}

/** The quiet tenants' trigger-to-start delays, once every run of the scenario has started. */
async function quietDelays(
  engine: Awaited<ReturnType<typeof benchContext>>["engine"],
  taskId: string,
  keyed: boolean,
  noisy: number,
  started: Map<number, number>,
): Promise<Summary> {
  started.clear();
  const triggeredAt = new Map<number, number>();
  let i = 0;
  const trigger = async (tenant: string) => {
    const index = i++;
    triggeredAt.set(index, now());
    await engine.runs.trigger(taskId, { payload: { i: index }, ...(keyed ? { concurrencyKey: tenant } : {}) });
    return index;
  };
  // The noisy tenant's burst, as fast as triggers go: a backlog of noisy * RUN_MS / 10 ms.
  await forEachAtMost(32, Array.from({ length: noisy }), () => trigger("noisy").then(() => {}));
  const quiet: number[] = [];
  for (let round = 0; round < 10; round++) for (let tenant = 0; tenant < 10; tenant++) quiet.push(await trigger(`quiet-${tenant}`));
  const deadline = Date.now() + 600_000;
  while (started.size < i) {
    if (Date.now() > deadline) throw new Error("flow benchmark: runs did not all start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return summarize(quiet.map((index) => started.get(index)! - triggeredAt.get(index)!));
}
