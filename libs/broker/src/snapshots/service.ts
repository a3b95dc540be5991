import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { HelmrEngine } from "../engine.ts";
import { defineScripts } from "../lua/index.ts";
import { closeBullWorker, logDistinctErrors, settlesWithin } from "../closing.ts";
import { closeConnection, connect } from "../resources.ts";
import { markAttended } from "./lock.ts";
import { listSnapshots } from "./catalog.ts";
import type { Manifest } from "./format.ts";
import { restoreSnapshot, type RestoreOptions, type RestoreResult } from "./restore.ts";
import type { SnapshotStore } from "./stores/store.ts";
import { SnapshotInProgressError, SnapshotWriter, type SnapshotPolicy, type SnapshotResult } from "./writer.ts";

export const SNAPSHOTS_QUEUE = "snapshots";
const SCHEDULER_ID = "periodic";

export interface SnapshotServiceOptions extends SnapshotPolicy {
  /** Between periodic snapshots; 0 for none. */
  intervalMs: number;
  /** With periodic snapshots off: how often change marks are dropped (default 5 minutes). */
  forgetEveryMs?: number;
}

/**
 * Snapshots for one process: create, list and restore, and, once `schedule()` is called,
 * periodic snapshots through a BullMQ job scheduler. Every API process runs a snapshot
 * worker; the scheduler makes one job per interval and the writer's lock keeps a manual
 * snapshot from overlapping it. A failed snapshot (storage down, say) is logged and the
 * next interval tries again; it never touches input delivery or run execution, which do not
 * wait for it.
 */
export class SnapshotService {
  private readonly connection: Redis;
  private readonly writer: SnapshotWriter;
  private queue?: Queue;
  private worker?: Worker;
  /** The queue's and the worker's connections (BullMQ leaves connections it is given open). */
  private readonly queueConnections: Redis[] = [];

  constructor(
    private readonly engine: HelmrEngine,
    readonly store: SnapshotStore,
    private readonly options: SnapshotServiceOptions,
  ) {
    const { redisUrl, logger, keys } = engine.resources;
    this.connection = connect(redisUrl, logger, "snapshots");
    defineScripts(this.connection, keys);
    this.writer = new SnapshotWriter(this.connection, keys, store, options, logger);
  }

  /** Writes a snapshot now (the periodic ones go through here too), and records it in the metrics. */
  async create(options: { full?: boolean } = {}): Promise<SnapshotResult> {
    const { metrics } = this.engine.resources;
    try {
      const result = await this.writer.create(options);
      metrics.lastSnapshotAt = Date.now();
      metrics.snapshotBytes.set(result.manifest.bytes);
      metrics.snapshotDuration.set(result.durationMs / 1000);
      return result;
    } catch (error) {
      if (!(error instanceof SnapshotInProgressError)) metrics.snapshotFailures.inc();
      throw error;
    }
  }

  list(): Promise<Manifest[]> {
    return listSnapshots(this.store);
  }

  restore(options: RestoreOptions = {}): Promise<RestoreResult> {
    return restoreSnapshot(this.engine, this.store, options);
  }

  /** Starts periodic snapshots (with the interval 0, only the dropping of change marks). */
  async schedule(): Promise<void> {
    const { redisUrl, logger, queuePrefix } = this.engine.resources;
    const connection = connect(redisUrl, logger, "snapshots-queue", { maxRetriesPerRequest: null });
    const workerConnection = connection.duplicate();
    this.queueConnections.push(connection, workerConnection);
    this.queue = new Queue(SNAPSHOTS_QUEUE, { connection, prefix: queuePrefix });
    this.queue.on("error", logDistinctErrors(logger, "snapshot queue error"));
    // Periodic snapshots off: change marks would pile up (one per changed session) with no
    // snapshot to clear them, so a job drops them instead and the next snapshot is full.
    const off = this.options.intervalMs === 0;
    const every = off ? (this.options.forgetEveryMs ?? 5 * 60_000) : this.options.intervalMs;
    if (!off) await markAttended(this.connection, this.engine.resources.keys, every);
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every },
      { name: off ? "forget-changes" : "snapshot", opts: { removeOnComplete: 20, removeOnFail: 20 } },
    );
    this.worker = new Worker(SNAPSHOTS_QUEUE, (job) => (job.name === "forget-changes" ? this.writer.forgetChanges() : this.periodic()), {
      connection: workerConnection,
      prefix: queuePrefix,
      concurrency: 1,
    });
    this.worker.on("error", logDistinctErrors(logger, "snapshot worker error"));
    await this.worker.waitUntilReady();
  }

  private async periodic(): Promise<void> {
    const { logger } = this.engine.resources;
    try {
      const { manifest, location, durationMs } = await this.create();
      logger.info(
        { snapshot: manifest.id, kind: manifest.kind, sessions: manifest.sessions, tokens: manifest.tokens, bytes: manifest.bytes, durationMs, location },
        "snapshot written",
      );
    } catch (error) {
      if (error instanceof SnapshotInProgressError) return;
      logger.error({ err: (error as Error).message }, "snapshot failed; its changes are kept and the next interval tries again");
    }
  }

  /** A snapshot being written is finished while Redis answers (bounded by `waitMs`), abandoned when it does not. */
  async close(waitMs = 10_000): Promise<void> {
    if (this.worker) await settlesWithin(closeBullWorker(this.worker, await this.engine.healthy(500)), waitMs);
    await settlesWithin(this.queue?.close() ?? Promise.resolve(), 1_000);
    for (const connection of [this.connection, ...this.queueConnections]) await closeConnection(connection);
    this.store.close?.();
  }
}
