import { logDistinctErrors, type HelmrEngine, type RetentionPolicy } from "@helmr/broker";
import { Queue, Worker, type ConnectionOptions } from "bullmq";
import type { Logger } from "pino";

/** The queue of Helmr's own periodic work, beside the runs queues. */
export const MAINTENANCE_QUEUE = "maintenance";
const RETENTION_SCHEDULER = "retention-sweep";

/**
 * The retention sweep runs as a BullMQ job scheduler: one job per interval for the whole
 * fleet, taken by whichever worker is free (one at a time per worker), rather than every
 * worker trying on a timer. Each worker upserts the scheduler when it starts, so the last
 * one started sets the interval; its sweep uses its own retention settings. The sweeper's
 * lock (systems/retention.ts) still keeps two sweeps from overlapping, should a slow one
 * still be going when the next job comes.
 */
export async function startRetentionSweeps(options: {
  engine: HelmrEngine;
  connection: ConnectionOptions;
  policy: RetentionPolicy;
  everyMs: number;
  logger: Logger;
}): Promise<Worker> {
  const { engine, connection, policy, everyMs, logger } = options;
  const prefix = engine.resources.queuePrefix;
  const queue = new Queue(MAINTENANCE_QUEUE, { connection: engine.resources.queueConnection, prefix });
  try {
    await queue.upsertJobScheduler(RETENTION_SCHEDULER, { every: everyMs }, { name: RETENTION_SCHEDULER, opts: { removeOnComplete: true, removeOnFail: 100 } });
  } finally {
    await queue.close();
  }
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      if (job.name !== RETENTION_SCHEDULER) return undefined;
      const swept = await engine.retention.sweep(policy);
      if (swept.runs + swept.sessions + swept.closed + swept.tokens > 0) logger.debug(swept, "retention sweep");
      return swept;
    },
    { connection, prefix, concurrency: 1 },
  );
  worker.on("error", logDistinctErrors(logger, "maintenance worker error"));
  worker.on("failed", (job, error) => logger.warn({ jobId: job?.id, err: error }, "retention sweep failed; the next one tries again"));
  await worker.waitUntilReady();
  return worker;
}
