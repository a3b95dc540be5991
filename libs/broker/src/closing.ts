import type { Worker } from "bullmq";
import type { Logger } from "pino";
import { isRedisUnavailable } from "./redis-availability.ts";

/** Whether `promise` settles within `ms` (it keeps running either way). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  const settled = promise.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes a BullMQ worker. While Redis answers, the close waits for the jobs in hand (the
 * caller bounds that wait); when Redis does not, it must not: BullMQ's waiting close
 * retries its blocking connection until Redis returns, so it is forced, and jobs still in
 * hand are taken over by another worker once their locks expire.
 */
export function closeBullWorker(worker: Worker, redisAnswers: boolean): Promise<void> {
  return worker.close(!redisAnswers);
}

/**
 * An "error" listener for BullMQ queues and workers, which report every retry of a lost
 * connection: each distinct message is logged once a minute, an outage as one warning
 * line without a stack trace.
 */
export function logDistinctErrors(logger: Logger, what: string, quietMs = 60_000): (error: Error) => void {
  const lastLogged = new Map<string, number>();
  return (error) => {
    const now = Date.now();
    if (now - (lastLogged.get(error.message) ?? -Infinity) < quietMs) return;
    lastLogged.set(error.message, now);
    if (isRedisUnavailable(error)) logger.warn({ err: error.message }, `${what}: Redis unavailable; retrying`);
    else logger.error({ err: error }, what);
  };
}
