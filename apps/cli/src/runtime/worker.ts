import { createWorker, type HelmrWorker } from "@helmr/sdk";
import type { Logger } from "pino";

// Apart from services.ts (the API server and its snapshots), so `helmr worker` loads neither
// the API nor the snapshot stores (the S3 client).

/**
 * A worker of the tasks: createWorker reads every other HELMR_* setting itself (with the
 * server's schema, @helmr/config's workerSettings); what is passed here is what the command
 * decides (the Redis it found or started, its --concurrency flag, a dev server's secret and URL).
 */
export function startWorker(options: {
  redisUrl: string;
  tasks: Record<string, unknown>;
  concurrency?: number;
  logger: Logger;
  secret?: string;
  publicUrl?: string;
  version?: string;
}): Promise<HelmrWorker> {
  return createWorker({
    tasks: options.tasks,
    redis: options.redisUrl,
    concurrency: options.concurrency,
    logger: options.logger,
    secret: options.secret,
    publicUrl: options.publicUrl,
    version: options.version,
  });
}
