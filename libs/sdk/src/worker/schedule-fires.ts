import { logDistinctErrors, nextCronFire, SCHEDULES_QUEUE, type HelmrEngine } from "@helmr/broker";
import { Worker, type ConnectionOptions } from "bullmq";
import type { Logger } from "pino";
import { declaredSchedules } from "../schedules.ts";
import type { TaskDefinition } from "../task.ts";

/** How many fires one worker starts runs for at once. */
const FIRES_AT_ONCE = 10;

/**
 * Takes the schedules queue's fires (broker systems/schedules.ts): each BullMQ job is one
 * fire of the scheduler named by its repeatJobKey, for the time its id ends with
 * (`repeat:<schedule id>:<ms>`: the one place BullMQ writes it for cron and every
 * schedulers alike), and starts its run. Then publishes the
 * schedules this version's code declares and syncs them, which also mends any schedule
 * left without its scheduler.
 */
export async function startScheduleFires(options: {
  engine: HelmrEngine;
  connection: ConnectionOptions;
  tasks: Iterable<TaskDefinition>;
  version: string;
  logger: Logger;
}): Promise<Worker> {
  const { engine, connection, logger } = options;
  const worker = new Worker(
    SCHEDULES_QUEUE,
    async (job) => {
      const scheduleId = job.repeatJobKey;
      const scheduledAt = Number(job.id?.slice(job.id.lastIndexOf(":") + 1));
      if (!scheduleId || !Number.isSafeInteger(scheduledAt)) return null;
      return engine.schedules.fire(scheduleId, scheduledAt);
    },
    {
      connection,
      prefix: engine.resources.keys.schedulesQueuePrefix(),
      concurrency: FIRES_AT_ONCE,
      // The next fire is computed as a fire is taken: with the same reading of cron as the schedules show (schedule-times.ts).
      settings: { repeatStrategy: nextCronFire },
    },
  );
  worker.on("error", logDistinctErrors(logger, "schedules worker error"));
  worker.on("failed", (job, error) =>
    logger.warn({ schedule: job?.repeatJobKey, jobId: job?.id, err: error }, "a schedule's fire could not start its run; BullMQ tries it again"),
  );
  await worker.waitUntilReady();
  await engine.schedules.publishDeclared(options.version, declaredSchedules(options.tasks));
  await engine.schedules.syncDeclared();
  return worker;
}
