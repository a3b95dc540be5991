import { type Processor, Worker, type WorkerOptions } from "bullmq";
import { closeBullWorker, logDistinctErrors, settlesWithin } from "./closing.ts";
import { closeConnection, connect, type Resources } from "./resources.ts";

/** A BullMQ worker of the engine's own (bulk actions, webhook deliveries), with the connection it blocks on. */
export interface OwnWorker<T> {
  worker: Worker<T>;
  /** Lets the jobs in hand finish (5 s at most) when Redis answers, stops at once when not; then drops the connection. */
  close(redisAnswers: boolean): Promise<void>;
}

/** Starts taking a queue's jobs in this process, on a connection of the worker's own (BullMQ blocks on it). */
export async function startOwnWorker<T>(
  resources: Resources,
  options: { queue: string; prefix: string; role: string; process: Processor<T>; concurrency: number; settings?: WorkerOptions["settings"] },
): Promise<OwnWorker<T>> {
  const { redisUrl, logger } = resources;
  const connection = connect(redisUrl, logger, options.role, { maxRetriesPerRequest: null });
  const worker = new Worker<T>(options.queue, options.process, {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    ...(options.settings ? { settings: options.settings } : {}),
  });
  worker.on("error", logDistinctErrors(logger, `${options.role} worker error`));
  await worker.waitUntilReady();
  return {
    worker,
    close: async (redisAnswers) => {
      await settlesWithin(closeBullWorker(worker, redisAnswers), 5_000);
      await closeConnection(connection);
    },
  };
}
