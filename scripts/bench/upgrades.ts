import { forEachAtMost } from "@helmr/broker";
import { createWorker, streams, task } from "@helmr/sdk";
import { pino } from "pino";
import { benchContext } from "./context.ts";

/**
 * The upgrade sweep (libs/sdk/src/worker/upgrader.ts): `parked` runs parked under one
 * version, then a worker of the next version (the same code) started with no rate limit,
 * which dry-replays each and moves it. Printed: runs checked per second over its walk, next
 * to a baseline measured in the same run: reading each run's history alone (the two round
 * trips a check starts with), as many at once as the upgrader checks.
 */
const reply = streams.input<string>("bench-upgrade-reply");
const waiter = task({ id: "bench-upgrade", retry: { maxAttempts: 1 }, run: async () => reply.wait().unwrap() });

export async function upgradeBenchmarks({ parked }: { parked: number }): Promise<void> {
  const ctx = await benchContext();
  const logger = pino({ level: "warn" });
  const options = { tasks: [waiter], redis: ctx.redisUrl, prefix: ctx.prefix, logger, warmRuns: 0 };
  try {
    await ctx.engine.ready();
    const old = await createWorker({ ...options, version: "bench-v1", upgradeRate: 0, concurrency: 200 });
    await forEachAtMost(64, Array.from({ length: parked }), () => ctx.engine.runs.trigger("bench-upgrade", {}).then(() => {}));
    await until(async () => (await ctx.engine.resources.waiting.countsByKind()).input >= parked);
    await old.close();

    // Baseline: every parked run's history read, 8 at a time (the upgrader's CHECKS_AT_ONCE).
    const runIds: string[] = [];
    for await (const entries of ctx.engine.resources.waiting.entries()) runIds.push(...entries.map((entry) => entry.runId));
    const readStart = performance.now();
    await forEachAtMost(8, runIds, async (runId) => {
      await ctx.engine.resources.redis.hmget(ctx.engine.resources.keys.run(runId), "status", "ver", "task", "fence", "attempt", "pin");
      await ctx.engine.executions.historyNow(runId);
    });
    const readsPerSecond = runIds.length / ((performance.now() - readStart) / 1000);

    const next = await createWorker({ ...options, version: "bench-v2", upgradeRate: 1_000_000 });
    const census = await until(async () => {
      const v2 = (await ctx.engine.versions.describe()).data.find((version) => version.version === "bench-v2");
      return v2?.runs.waiting === parked ? ((await ctx.engine.resources.redis.get(ctx.engine.resources.keys.versionCensus())) ?? undefined) : undefined;
    });
    const { startedAt, at } = JSON.parse(census) as { startedAt: number; at: number };
    const checksPerSecond = parked / ((at - startedAt) / 1000);
    await next.close();
    console.log(`Upgrade sweep: ${parked} parked runs, each dry-replayed and moved to the next version`);
    console.log(
      `${"Helmr: runs checked and moved per second".padEnd(52)} ${checksPerSecond.toFixed(0).padStart(7)}/s   ${(checksPerSecond / readsPerSecond).toFixed(2)}x reading each run's history alone (${readsPerSecond.toFixed(0)}/s)`,
    );
  } finally {
    await ctx.close();
  }
}

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error("upgrade benchmark: timed out");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
