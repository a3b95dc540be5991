import { forEachAtMost } from "@helmr/broker";
import { createWorker, task } from "@helmr/sdk";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { benchContext } from "./context.ts";
import { now, row, summarize } from "./stats.ts";

/**
 * Schedules (broker systems/schedules.ts), with `count` of them stored (daily crons, one per
 * customer, each with a payload and an externalId):
 * - Redis bytes and keys per schedule (its record and index entries, its BullMQ job
 *   scheduler and the delayed job of its next fire), and what is left once all are deleted;
 * - fire lateness: `probes` schedules firing each second for `seconds` seconds, each fire's
 *   time to its run's first line, next to raw BullMQ delayed jobs due on the same whole
 *   seconds (due time to the handler's first line), measured first in the same run.
 */
export async function scheduleBenchmarks({ count, probes, seconds }: { count: number; probes: number; seconds: number }): Promise<void> {
  const ctx = await benchContext();
  try {
    await ctx.engine.ready();
    const redis = ctx.engine.resources.redis;
    const memory = async () => Number(/used_memory:(\d+)/.exec(await redis.info("memory"))![1]);
    const keys = () => redis.dbsize();

    const raw = await rawDelayedLateness(ctx.redisUrl, probes, seconds);

    const lateness: number[] = [];
    const probe = task({
      id: "bench-probe",
      retry: { maxAttempts: 1 },
      run: async (_payload, runCtx) => void lateness.push(now() - runCtx.schedule!.scheduledAt.getTime()),
    });
    const remind = task({ id: "bench-remind", run: async () => {} });
    const worker = await createWorker({ tasks: [probe, remind], redis: ctx.redisUrl, prefix: ctx.prefix, concurrency: 50, logger: pino({ level: "warn" }) });

    const [bytesBefore, keysBefore] = [await memory(), await keys()];
    const ids: string[] = [];
    await forEachAtMost(
      50,
      Array.from({ length: count }, (_, i) => i),
      async (i) => {
        const { schedule } = await ctx.engine.schedules.create({
          task: "bench-remind",
          cron: "0 9 * * 1-5",
          timezone: "Europe/Paris",
          payload: { customer: `cust-${i}` },
          externalId: `cust-${i}`,
        });
        ids.push(schedule.id);
      },
    );
    const [bytesAfter, keysAfter] = [await memory(), await keys()];
    console.log(`Schedules: ${count} stored (daily crons with a payload and an externalId each)`);
    console.log(`  Redis per schedule: ${Math.round((bytesAfter - bytesBefore) / count)} B, ${((keysAfter - keysBefore) / count).toFixed(2)} keys`);

    const probeIds: string[] = [];
    for (let i = 0; i < probes; i++) probeIds.push((await ctx.engine.schedules.create({ task: "bench-probe", cron: "* * * * * *" })).schedule.id);
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const id of probeIds) await ctx.engine.schedules.remove(id);
    // The first second's fires land while the probes are still being created: left out.
    const helmr = summarize(lateness.slice(probes));
    console.log(`Fire lateness: ${probes} schedules firing each second for ${seconds} s, beside the ${count} stored`);
    console.log(row("raw BullMQ: delayed job due -> handler", raw));
    console.log(row("Helmr: schedule fire time -> run's first line", helmr, raw));

    // The probes' runs stay until their retention: count the keys the stored schedules take back.
    const keysStored = await keys();
    await forEachAtMost(50, ids, (id) => ctx.engine.schedules.remove(id));
    console.log(`  deleting all ${count} took back ${keysStored - (await keys())} of the ${keysAfter - keysBefore} keys they added`);
    await worker.close();
  } finally {
    await ctx.close();
  }
}

/** Raw BullMQ: `perSecond` delayed jobs due on each whole second for `seconds` seconds, due time to handler. */
async function rawDelayedLateness(redisUrl: string, perSecond: number, seconds: number) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("raw-delayed", { connection, prefix: "{rawbench}" });
  const lateness: number[] = [];
  const worker = new Worker("raw-delayed", async (job) => void lateness.push(now() - (job.data as { dueAt: number }).dueAt), {
    connection: workerConnection,
    prefix: "{rawbench}",
    concurrency: 50,
  });
  await worker.waitUntilReady();
  const first = Math.ceil(Date.now() / 1000) * 1000 + 1000;
  const jobs = [];
  for (let s = 0; s < seconds; s++)
    for (let i = 0; i < perSecond; i++) {
      const dueAt = first + s * 1000;
      jobs.push({ name: "d", data: { dueAt }, opts: { delay: dueAt - Date.now(), removeOnComplete: true } });
    }
  await queue.addBulk(jobs);
  while (lateness.length < jobs.length) await new Promise((resolve) => setTimeout(resolve, 100));
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
  await workerConnection.quit();
  return summarize(lateness);
}
