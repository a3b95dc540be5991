import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { DELAY_MS, Signal, now, summarize, type Summary } from "../stats.ts";

/** A bare BullMQ queue and worker on the same Redis, kept running to measure handoffs on demand. */
export interface RawBaseline {
  /** One queue.add() to the first line of the handler, in ms. */
  handoff(): Promise<number>;
  /** A delayed job's due time to the first line of its handler, in ms. */
  delayed(delayMs: number): Promise<number>;
  /** `count` jobs added at once (addBulk) to the last one handled, in ms. */
  burst(count: number): Promise<number>;
  close(): Promise<void>;
}

export async function startRawBaseline(redisUrl: string): Promise<RawBaseline> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("raw", { connection, prefix: "{rawbench}" });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const started = new Signal<number>();
  let onJob: (() => void) | undefined;
  const worker = new Worker(
    "raw",
    async () => {
      started.push(now());
      onJob?.();
    },
    { connection: workerConnection, prefix: "{rawbench}", concurrency: 50 },
  );
  await worker.waitUntilReady();
  return {
    async handoff() {
      const t0 = now();
      const next = started.next();
      await queue.add("x", {}, { removeOnComplete: true });
      return (await next) - t0;
    },
    async delayed(delay) {
      const next = started.next();
      const dueAt = now() + delay;
      await queue.add("d", {}, { delay, removeOnComplete: true });
      return (await next) - dueAt;
    },
    async burst(count) {
      let left = count;
      const last = new Promise<number>((resolve) => (onJob = () => --left === 0 && resolve(now())));
      const t0 = now();
      await queue.addBulk(Array.from({ length: count }, () => ({ name: "b", data: {}, opts: { removeOnComplete: true } })));
      const ms = (await last) - t0;
      onJob = undefined;
      return ms;
    },
    async close() {
      await worker.close();
      await queue.close();
      await connection.quit();
      await workerConnection.quit();
    },
  };
}

/**
 * The baseline: a bare BullMQ queue and worker on the same Redis, measured like Helmr.
 * `handoff`: queue.add() to the first line of the handler. `delayed`: a delayed job's due
 * time to the first line of its handler.
 */
export async function rawBullmq(redisUrl: string, runs: number, delayedRuns: number): Promise<{ handoff: Summary; delayed: Summary }> {
  const raw = await startRawBaseline(redisUrl);
  const handoff: number[] = [];
  for (let i = 0; i < runs + 100; i++) {
    const ms = await raw.handoff();
    if (i >= 100) handoff.push(ms); // the first 100 warm up the JIT and connections
  }

  // One delayed job at a time, so this is the latency of a due job, not of a backlog.
  const delayed: number[] = [];
  for (let i = 0; i < delayedRuns; i++) delayed.push(await raw.delayed(DELAY_MS));
  await raw.close();
  return { handoff: summarize(handoff), delayed: summarize(delayed) };
}

/** The throughput baseline: jobs added by 64 concurrent producers, each handled and completed, per second. */
export async function rawBullmqThroughput(redisUrl: string, jobs: number): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("rawtput", { connection, prefix: "{rawbench}" });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let handled = 0;
  let finish!: () => void;
  const allHandled = new Promise<void>((resolve) => (finish = resolve));
  const worker = new Worker("rawtput", async () => void (++handled === jobs && finish()), {
    connection: workerConnection,
    prefix: "{rawbench}",
    concurrency: 200,
  });
  await worker.waitUntilReady();
  const t0 = now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < jobs) await queue.add("x", {}, { removeOnComplete: true });
    }),
  );
  await allHandled;
  const perSecond = jobs / ((now() - t0) / 1000);
  await worker.close();
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return perSecond;
}
