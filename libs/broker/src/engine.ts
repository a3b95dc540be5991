import { settlesWithin } from "./closing.ts";
import { closeConnection, createResources, type ResourceOptions, type Resources } from "./resources.ts";
import { DispatchSystem } from "./systems/dispatch.ts";
import { OutboxSweeperSystem } from "./systems/outbox-sweeper.ts";
import { ChildrenSystem } from "./systems/children.ts";
import { BatchesSystem } from "./systems/batches.ts";
import { ExecutionsSystem } from "./systems/executions.ts";
import { RunsSystem } from "./systems/runs.ts";
import { SessionsSystem } from "./systems/sessions.ts";
import { StreamsSystem } from "./systems/streams.ts";
import { WaitsSystem } from "./systems/waits.ts";
import { TasksSystem } from "./systems/tasks.ts";
import { PublicTokensSystem } from "./systems/public-tokens.ts";
import { TokensSystem } from "./systems/tokens.ts";
import { WarmWorkersSystem } from "./systems/warm-workers.ts";
import { VersionsSystem } from "./systems/versions.ts";
import { FlowSystem } from "./systems/flow.ts";
import { ErasureSystem } from "./systems/erasure.ts";
import { RetentionSystem } from "./systems/retention.ts";
import { SchedulesSystem } from "./systems/schedules.ts";
import { RepliesSystem } from "./systems/replies.ts";
import { RecoverySystem } from "./systems/recovery.ts";
import { BulkActionsSystem } from "./systems/bulk-actions.ts";
import { WebhooksSystem } from "./systems/webhooks.ts";
import { upgradeLayout } from "./upgrades/index.ts";
import { shardSpreadWarning } from "./shard-spread.ts";

/**
 * The version of how Helmr lays its data out in Redis (the keys, hash fields and values
 * libs/broker/ARCHITECTURE.md lists). A change to the layout raises it and comes with its
 * upgrade (upgrades/) and a test; an engine upgrades a prefix written in an older layout
 * that has one, and refuses any other rather than misread it. Snapshots record the layout
 * they were taken in and are upgraded as they are restored (snapshots/restore.ts).
 * 2: a run's journal and events are chunked logs (lua/includes/history.lua).
 * 3: the global keys scripts and transactions touch together share a hash tag (keys.ts).
 * 4: the global structures every resume or trigger writes come in a copy per shard (keys.ts, ShardKeys).
 * 5: a session names the tokens its runs created under its tag (`tok:<own>`; upgrades/layout-5.ts).
 */
export const LAYOUT_VERSION = 5;

export class LayoutMismatchError extends Error {
  override name = "LayoutMismatchError";
}

/**
 * The broker core: a few systems sharing one resources object (CONTRIBUTING.md). The API and
 * the SDK's worker each build one engine per process.
 */
export class HelmrEngine {
  readonly dispatch: DispatchSystem;
  readonly tasks: TasksSystem;
  readonly sessions: SessionsSystem;
  readonly runs: RunsSystem;
  readonly executions: ExecutionsSystem;
  readonly streams: StreamsSystem;
  readonly waits: WaitsSystem;
  readonly tokens: TokensSystem;
  readonly children: ChildrenSystem;
  readonly batches: BatchesSystem;
  readonly publicTokens: PublicTokensSystem;
  readonly outbox: OutboxSweeperSystem;
  readonly warm: WarmWorkersSystem;
  readonly versions: VersionsSystem;
  readonly flow: FlowSystem;
  readonly erasure: ErasureSystem;
  readonly retention: RetentionSystem;
  readonly schedules: SchedulesSystem;
  readonly replies: RepliesSystem;
  readonly recovery: RecoverySystem;
  readonly bulkActions: BulkActionsSystem;
  readonly webhooks: WebhooksSystem;

  constructor(readonly resources: Resources) {
    this.warm = new WarmWorkersSystem(resources);
    this.dispatch = new DispatchSystem(resources, this.warm);
    this.versions = new VersionsSystem(resources, this.warm, this.dispatch);
    this.flow = new FlowSystem(resources, this.warm);
    this.tasks = new TasksSystem(resources);
    this.children = new ChildrenSystem(resources, this.dispatch);
    this.sessions = new SessionsSystem(resources, this.children, this.dispatch);
    this.runs = new RunsSystem(resources, this.dispatch, this.tasks, this.children, this.versions, this.flow);
    this.recovery = new RecoverySystem(resources, this.runs, this.dispatch);
    this.bulkActions = new BulkActionsSystem(resources, this.runs, this.recovery);
    this.webhooks = new WebhooksSystem(resources);
    this.batches = new BatchesSystem(resources, this.runs, this.dispatch, this.versions);
    this.executions = new ExecutionsSystem(resources);
    this.streams = new StreamsSystem(resources, this.dispatch);
    this.waits = new WaitsSystem(resources);
    this.tokens = new TokensSystem(resources, this.dispatch);
    this.outbox = new OutboxSweeperSystem(resources, this.dispatch, this.tokens, this.children);
    this.publicTokens = new PublicTokensSystem(resources);
    this.schedules = new SchedulesSystem(resources, this.runs, this.versions);
    this.replies = new RepliesSystem(resources, this.runs, this.sessions);
    this.erasure = new ErasureSystem(resources, this.sessions, this.warm, this.children, this.schedules);
    this.retention = new RetentionSystem(resources, this.sessions, this.erasure);
    resources.metrics.versionsToCount = async () => (await this.versions.describe()).data;
    resources.metrics.flowToCount = () => this.flow.counts();
    resources.metrics.queuesToCount = async () => [...resources.runsQueues, ...resources.versionQueues(), ...(await this.warm.liveQueues())];
  }

  /**
   * Resolves once the runs queue's connection is ready (a BullMQ queue closed while
   * initializing leaks rejections) and the prefix holds data of this layout (a fresh prefix
   * is marked with it).
   */
  async ready(): Promise<void> {
    await Promise.all(this.resources.runsQueues.map((queue) => queue.waitUntilReady()));
    const { redis, keys } = this.resources;
    // Every process of a prefix must agree on where a run's jobs go.
    const shards = this.resources.runsQueues.length;
    await redis.set(keys.queueShards(), String(shards), "NX");
    const storedShards = Number(await redis.get(keys.queueShards()));
    if (storedShards !== shards) {
      throw new LayoutMismatchError(
        `HELMR_QUEUE_SHARDS is ${shards} here, and the data under the key prefix "${keys.prefix}" is dispatched over ${storedShards}; set HELMR_QUEUE_SHARDS=${storedShards} on every process (changing it needs every queue drained first)`,
      );
    }
    const spread = shardSpreadWarning(redis, keys, shards);
    if (spread) this.resources.logger.warn(spread);
    await redis.set(keys.layout(), String(LAYOUT_VERSION), "NX");
    let stored = await redis.get(keys.layout());
    // An older layout that has an upgrade is upgraded in place (upgrades/), once.
    if (Number(stored) < LAYOUT_VERSION && (await upgradeLayout(this.resources, Number(stored), LAYOUT_VERSION))) stored = String(LAYOUT_VERSION);
    if (stored !== String(LAYOUT_VERSION)) {
      throw new LayoutMismatchError(
        `The data under the key prefix "${keys.prefix}" is in layout version ${stored}, and this Helmr reads version ${LAYOUT_VERSION}; run the Helmr version that wrote it, or restore a snapshot into an empty prefix`,
      );
    }
  }

  /** True when Redis answers. */
  async healthy(timeoutMs = 1000): Promise<boolean> {
    const ping = this.resources.redis.ping().then(
      (r) => r === "PONG",
      () => false,
    );
    const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, timeoutMs, false).unref());
    return Promise.race([ping, timeout]);
  }

  async close(): Promise<void> {
    await settlesWithin(this.warm.close(), 1_000);
    await settlesWithin(this.schedules.close(), 1_000);
    const redisAnswers = await this.healthy(500);
    await this.bulkActions.close(redisAnswers);
    await this.webhooks.close(redisAnswers);
    const queues = [...this.resources.runsQueues, ...this.resources.versionQueues()];
    await settlesWithin(Promise.all(queues.map((queue) => queue.close())), 1_000);
    await closeConnection(this.resources.queueConnection);
    await closeConnection(this.resources.redis);
  }
}

export function createEngine(options: ResourceOptions): HelmrEngine {
  return new HelmrEngine(createResources(options));
}
