import type { VersionList } from "@helmr/core";
import type { Queue } from "bullmq";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Redis } from "ioredis";
import type { Keys } from "./keys.ts";
import type { WaitingIndex } from "./waiting-index.ts";
import { batch, execOrThrow } from "./pipelines.ts";
import { masters } from "./redis-target.ts";

/** What a scrape without the right bearer is told (the API's GET /metrics and a worker's). */
export const METRICS_UNAUTHORIZED = "GET /metrics takes `Authorization: Bearer <key>`: HELMR_METRICS_TOKEN, or a secret key from HELMR_API_KEYS";

/** Latency buckets in seconds: a resume takes about a millisecond here, a cold one tens. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics of one engine (an API process, a worker), in a registry of its own
 * (`prom-client`), served by `GET /metrics` (apps/api) and a worker's HELMR_METRICS_PORT.
 * Counters and histograms count what this process did; the gauges read Redis when
 * scraped, each with a bounded number of commands (no scan of keys or records): summed
 * over the processes, the counters are the fleet's, the gauges the same from each.
 */
export class EngineMetrics {
  readonly registry = new Registry();

  readonly runsTriggered = new Counter({
    name: "helmr_runs_triggered_total",
    help: "Runs triggered through this process (a deduplicated trigger does not count)",
    labelNames: ["task"],
    registers: [this.registry],
  });
  readonly scheduleFires = new Counter({
    name: "helmr_schedule_fires_total",
    help: "Schedule fires this worker took and started a run for (a fire handed out twice counts twice, and makes one run)",
    labelNames: ["task"],
    registers: [this.registry],
  });
  readonly runsFinished = new Counter({
    name: "helmr_runs_finished_total",
    help: "Runs that ended in this process, by task and final status (completed, failed, cancelled, continued)",
    labelNames: ["task", "status"],
    registers: [this.registry],
  });
  readonly runRetries = new Counter({
    name: "helmr_run_retries_total",
    help: "Failed attempts that were retried",
    labelNames: ["task"],
    registers: [this.registry],
  });
  readonly nonDeterminism = new Counter({
    name: "helmr_nondeterminism_failures_total",
    help: "Replays that met another durable operation than the journal recorded (NonDeterminismError)",
    labelNames: ["task"],
    registers: [this.registry],
  });
  readonly inputDeliveries = new Counter({
    name: "helmr_input_deliveries_total",
    help: "Inputs sent to session streams, by outcome: resumed a waiting run, buffered for a later wait, or rejected (4xx)",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly tokenCompletions = new Counter({
    name: "helmr_token_completions_total",
    help: "Token completions and failures, by outcome: completed, failed, repeated (the same data or error again), rejected (4xx: already settled otherwise, timed out, unknown)",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly triggerToStart = new Histogram({
    name: "helmr_trigger_to_start_seconds",
    help: "From a run's trigger to its task code starting, in the worker that started it",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly resumeLatency = new Histogram({
    name: "helmr_resume_seconds",
    help: "From what resumed a run (an input's arrival; a token's completion or a timer coming due, by their job) to the run's code going on, in the worker that resumed it",
    labelNames: ["warm"],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly snapshotFailures = new Counter({
    name: "helmr_snapshot_failures_total",
    help: "Snapshots this process attempted that failed",
    registers: [this.registry],
  });
  readonly snapshotBytes = new Gauge({
    name: "helmr_snapshot_last_bytes",
    help: "Size of the last snapshot this process wrote (compressed)",
    registers: [this.registry],
  });
  readonly snapshotDuration = new Gauge({
    name: "helmr_snapshot_last_duration_seconds",
    help: "How long the last snapshot this process wrote took",
    registers: [this.registry],
  });
  /** When the last snapshot this process wrote finished (ms), for the age gauge. */
  lastSnapshotAt: number | null = null;
  /** Executions running in this worker now (set by the worker). */
  readonly concurrencyInUse = new Gauge({
    name: "helmr_worker_executions_running",
    help: "Executions this worker is running now (parked runs do not count)",
    registers: [this.registry],
  });
  readonly warmRuns = new Gauge({
    name: "helmr_worker_warm_runs",
    help: "Parked runs this worker keeps in memory for warm resumes",
    registers: [this.registry],
  });

  /** The runs queues to count jobs in (the shards', and live workers' own), set by the engine. */
  queuesToCount: () => Promise<Queue[]> = async () => [];
  /** The versions of task code with their runs (VersionsSystem.describe), set by the engine. */
  versionsToCount: () => Promise<VersionList["data"]> = async () => [];
  /** The tasks with limits and their runs against them (FlowSystem.counts), set by the engine. */
  flowToCount: () => Promise<{ taskId: string; running: number; queued: number; throttled: number; paused: boolean }[]> = async () => [];

  /** An API process's event streams (set by the API): open ones, and what they follow, each read once for all of them. */
  eventStreamsToCount: () => { open: number; outputFeeds: number; looks: number } | null = () => null;

  constructor(private readonly resources: { redis: Redis; keys: Keys; waiting: WaitingIndex }) {
    const metrics = this;
    new Gauge({
      name: "helmr_api_event_streams",
      help: "Server-sent event streams this API process has open (live output, runs and sessions)",
      registers: [this.registry],
      collect() {
        const counts = metrics.eventStreamsToCount();
        if (counts) this.set(counts.open);
      },
    });
    new Gauge({
      name: "helmr_api_event_stream_feeds",
      help: "What this API process's event streams follow, each read once for all its clients: output streams (kind=output), runs and sessions (kind=look)",
      labelNames: ["kind"],
      registers: [this.registry],
      collect() {
        const counts = metrics.eventStreamsToCount();
        if (!counts) return;
        this.set({ kind: "output" }, counts.outputFeeds);
        this.set({ kind: "look" }, counts.looks);
      },
    });
    new Gauge({
      name: "helmr_waits",
      help: "Parked runs by what they wait on (input, token, timer), counted by the waiting index as runs park and resume (runs parked before it kept counts, in data of layout 3, are not counted here)",
      labelNames: ["kind"],
      registers: [this.registry],
      async collect() {
        for (const [kind, count] of Object.entries(await metrics.resources.waiting.countsByKind())) this.set({ kind }, count);
      },
    });
    new Gauge({
      name: "helmr_runs",
      help: "Runs by state now: queued (its job waits for a free worker slot), running (its job is being executed), parked (waiting on input, a token or a timer, from the waiting index: a run whose wait just ended may count for moments more), and delayed jobs (retries due later, and the deadlines of parked waits with a timer or a timeout, which count as parked too)",
      labelNames: ["state"],
      registers: [this.registry],
      async collect() {
        const queues = await metrics.queuesToCount();
        const counts = await Promise.all(queues.map((queue) => queue.getJobCounts("waiting", "prioritized", "active", "delayed")));
        const sum = (...states: string[]) => counts.reduce((total, count) => total + states.reduce((part, state) => part + (count[state] ?? 0), 0), 0);
        this.set({ state: "queued" }, sum("waiting", "prioritized"));
        this.set({ state: "running" }, sum("active"));
        this.set({ state: "delayed" }, sum("delayed"));
        this.set({ state: "parked" }, await metrics.parkedRuns());
      },
    });
    new Gauge({
      name: "helmr_runs_by_version",
      help: "Runs by the version of task code they run on and status: queued and running now, waiting (parked) as the last walk of the parked runs by an upgrading worker counted them",
      labelNames: ["version", "status"],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { version, runs } of await metrics.versionsToCount()) {
          this.set({ version, status: "queued" }, runs.queued);
          this.set({ version, status: "running" }, runs.running);
          if (runs.waiting !== null) this.set({ version, status: "waiting" }, runs.waiting);
        }
      },
    });
    new Gauge({
      name: "helmr_task_running",
      help: "Runs of a task with limits holding a slot now: executing, or granted one and about to start (flow control)",
      labelNames: ["task"],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { taskId, running } of await metrics.flowToCount()) this.set({ task: taskId }, running);
      },
    });
    new Gauge({
      name: "helmr_task_queued",
      help: "Runs of a task with limits waiting for a slot now (flow control)",
      labelNames: ["task"],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { taskId, queued } of await metrics.flowToCount()) this.set({ task: taskId }, queued);
      },
    });
    new Gauge({
      name: "helmr_task_paused",
      help: "1 for a task paused (POST /tasks/:taskId/pause): none of its runs starts or resumes until it is resumed",
      labelNames: ["task"],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { taskId, paused } of await metrics.flowToCount()) if (paused) this.set({ task: taskId }, 1);
      },
    });
    new Counter({
      name: "helmr_task_throttled_total",
      help: "Runs of a task that had to wait for a slot of its limits, ever (counted in Redis, so every process reports the fleet's)",
      labelNames: ["task"],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { taskId, throttled } of await metrics.flowToCount()) if (throttled > 0) this.inc({ task: taskId }, throttled);
      },
    });
    new Gauge({
      name: "helmr_versions_stranded",
      help: "Versions of task code that runs are pinned to and no live worker runs: their runs wait until a worker of the version starts",
      registers: [this.registry],
      async collect() {
        const versions = await metrics.versionsToCount();
        this.set(versions.filter(({ liveWorkers, runs }) => liveWorkers === 0 && runs.queued + runs.running + (runs.waiting ?? 0) > 0).length);
      },
    });
    new Gauge({
      name: "helmr_snapshot_last_age_seconds",
      help: "Time since the last snapshot this process wrote finished (NaN until it wrote one)",
      registers: [this.registry],
      collect() {
        this.set(metrics.lastSnapshotAt === null ? Number.NaN : (Date.now() - metrics.lastSnapshotAt) / 1000);
      },
    });
    new Gauge({
      name: "helmr_outbox_pending",
      help: "Dispatch outbox entries: operations whose run's job is being added, or was lost and waits for the sweeper",
      registers: [this.registry],
      async collect() {
        this.set((await metrics.outboxOfScrape()).pending);
      },
    });
    new Gauge({
      name: "helmr_outbox_oldest_age_seconds",
      help: "Age of the oldest dispatch outbox entry (0 when there is none); above a few seconds, dispatches are being recovered",
      registers: [this.registry],
      async collect() {
        const { oldest } = await metrics.outboxOfScrape();
        this.set(oldest === null ? 0 : (Date.now() - oldest) / 1000);
      },
    });
    new Gauge({
      name: "helmr_redis_round_trip_seconds",
      help: "Time of a PING to each Redis master, at the scrape",
      labelNames: ["master"],
      registers: [this.registry],
      async collect() {
        this.reset();
        await Promise.all(
          masters(metrics.resources.redis).map(async (node) => {
            const started = performance.now();
            await node.ping();
            this.set({ master: `${node.options.host}:${node.options.port}` }, (performance.now() - started) / 1000);
          }),
        );
      },
    });
  }

  /** The outbox as read for the scrape in progress: its two gauges share one read. */
  private outboxRead: Promise<{ pending: number; oldest: number | null }> | null = null;

  private outboxOfScrape(): Promise<{ pending: number; oldest: number | null }> {
    return (this.outboxRead ??= this.outbox());
  }

  /** Entries and the oldest one's time, over every shard's outbox: two commands a shard, in one batch. */
  private async outbox(): Promise<{ pending: number; oldest: number | null }> {
    const { redis, keys } = this.resources;
    const reads = batch(redis);
    for (const shard of keys.shards) reads.zcard(shard.dispatchOutbox()).zrange(shard.dispatchOutbox(), 0, 0, "WITHSCORES");
    const results = await execOrThrow(reads);
    let pending = 0;
    let oldest: number | null = null;
    for (let i = 0; i < results.length; i += 2) {
      const first = results[i + 1] as string[];
      pending += results[i] as number;
      if (first[1] !== undefined) oldest = Math.min(oldest ?? Infinity, Number(first[1]));
    }
    return { pending, oldest };
  }

  /** The waiting index's members: one ZCARD per bucket of 128, pipelined a shard at a time. */
  private async parkedRuns(): Promise<number> {
    const { redis, keys } = this.resources;
    let parked = 0;
    for (const shard of keys.shards) {
      const buckets = await redis.zrange(shard.waitingDirectory(), 0, -1);
      const counts = batch(redis);
      for (const bucket of buckets) counts.zcard(shard.waitingBuckets() + bucket);
      for (const [error, count] of (await counts.exec()) ?? []) if (!error) parked += Number(count);
    }
    return parked;
  }

  /** The metrics in Prometheus's text format. */
  async text(): Promise<string> {
    try {
      return await this.registry.metrics();
    } finally {
      this.outboxRead = null;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
