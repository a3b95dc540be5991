import { parseDuration } from "@helmr/core";
import { startApiServer, type ApiServer } from "@helmr/api";
import { LayoutMismatchError, createEngine, type HelmrEngine } from "@helmr/broker";
import type { SnapshotService } from "@helmr/broker/snapshots";
import type { Settings } from "@helmr/config";
import { Errors } from "@oclif/core";
import type { Logger } from "pino";
import { snapshotServiceFor } from "./snapshots.ts";

export interface ApiService {
  engine: HelmrEngine;
  server: ApiServer;
  snapshots: SnapshotService;
  close(): Promise<void>;
}

export async function startApi(
  settings: Settings,
  options: { redisUrl: string; apiKeys: string[]; secret: string; port: number; host: string; logger: Logger },
): Promise<ApiService> {
  const engine = createEngine({
    redisUrl: options.redisUrl,
    prefix: settings.HELMR_PREFIX,
    logger: options.logger,
    secret: options.secret,
    publicUrl: settings.HELMR_PUBLIC_URL,
    idempotencyTtlMs: parseDuration(settings.HELMR_IDEMPOTENCY_TTL),
    queueShards: settings.HELMR_QUEUE_SHARDS,
    waitReplicas: settings.HELMR_REDIS_WAIT_REPLICAS,
    webhooks: {
      allowPrivate: settings.HELMR_WEBHOOKS_ALLOW_PRIVATE,
      retryBaseMs: parseDuration(settings.HELMR_WEBHOOKS_RETRY),
      disableAfter: settings.HELMR_WEBHOOKS_DISABLE_AFTER,
    },
  });
  let server: ApiServer;
  try {
    await engine.ready();
    server = await startApiServer(
      {
        engine,
        logger: options.logger,
        apiKeys: options.apiKeys,
        maxPayloadBytes: settings.HELMR_MAX_PAYLOAD_BYTES,
        metricsToken: settings.HELMR_METRICS_TOKEN,
        eventStreamLimits: {
          perProcess: settings.HELMR_STREAMS_PER_PROCESS,
          perCredential: settings.HELMR_STREAMS_PER_TOKEN,
          stallMs: parseDuration(settings.HELMR_STREAMS_STALL),
          maxBufferedBytes: settings.HELMR_STREAMS_MAX_BUFFERED_BYTES,
          idleMs: parseDuration(settings.HELMR_STREAMS_IDLE),
        },
      },
      { port: options.port, host: options.host },
    );
  } catch (error) {
    await engine.close();
    if (error instanceof LayoutMismatchError) throw new Errors.CLIError(error.message, { exit: 1 });
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new Errors.CLIError(`Port ${options.port} on ${options.host} is already in use; set HELMR_PORT or pass --port (0 picks a free one)`, { exit: 1 });
    }
    throw error;
  }
  // Without HELMR_PUBLIC_URL, links point at this server as it listens.
  engine.resources.publicUrl ??= server.url;
  // API processes take the periodic snapshots (workers need no storage settings).
  const snapshots = snapshotServiceFor(engine, settings);
  await snapshots.schedule();
  return {
    engine,
    server,
    snapshots,
    close: async () => {
      await server.close(settings.HELMR_SHUTDOWN_GRACE_MS);
      await snapshots.close(settings.HELMR_SHUTDOWN_GRACE_MS);
      await engine.close();
    },
  };
}
