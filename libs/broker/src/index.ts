export { HelmrEngine, LAYOUT_VERSION, LayoutMismatchError, createEngine } from "./engine.ts";
export { closeConnection, connect, RUNS_QUEUE, type EngineHooks, type Resources, type ResourceOptions } from "./resources.ts";
export { Keys, TAG_KEYS } from "./keys.ts";
export { isConnected, isRedisUnavailable, redisAnswers } from "./redis-availability.ts";
export type { Racepoint, RacepointDetail, RacepointHook } from "./racepoints.ts";
export { isCluster, masterOf, masters, redisClient } from "./redis-target.ts";
export { closeBullWorker, logDistinctErrors, settlesWithin } from "./closing.ts";
export { ExecutionRefusedError, ScriptError, loadLuaScripts } from "./lua/index.ts";
export {
  storedWait,
  firstDeadline,
  firstWonBy,
  type FirstBranch,
  type ExecutionStart,
  type RunHistory,
  type StartOutcome,
  type FailOutcome,
  type StoredWait,
  type InputWait,
  type InputWaitOutcome,
} from "./systems/executions.ts";
export type { CancelOutcome } from "./systems/runs.ts";
export type { CreateSessionOutcome } from "./systems/sessions.ts";
export type { RegisteredTask } from "./systems/tasks.ts";
export { tokenWaitResult, type TokenOutcome, type WatchOutcome } from "./systems/tokens.ts";
export { OUTBOX_GRACE_MS } from "./systems/dispatch.ts";
export { childWaitResult, type ChildOutcome } from "./systems/children.ts";
export { MAX_BATCH_SIZE } from "./systems/batches.ts";
export { WaitingIndex, WAITING_BUCKET_SIZE, type WaitingEntry } from "./systems/waiting-index.ts";
export { SnapshotService, SNAPSHOTS_QUEUE, type SnapshotServiceOptions } from "./snapshots/service.ts";
export { SnapshotInProgressError, type SnapshotResult } from "./snapshots/writer.ts";
export { markAttended } from "./snapshots/lock.ts";
export { RestoreRefusedError, type RestoreOptions, type RestoreResult } from "./snapshots/restore.ts";
export { SnapshotNotFoundError } from "./snapshots/catalog.ts";
export { isSnapshotId, type Manifest } from "./snapshots/format.ts";
export { FileSnapshotStore, S3SnapshotStore, StoreError, snapshotStoreFrom, type SnapshotStore } from "./snapshots/stores/index.ts";
export { WarmWorkers, WARM_DEADLINE_MS, WORKER_TTL_MS, runJobOptions } from "./systems/warm-workers.ts";
export { RetentionSweeper, type RetentionPolicy } from "./systems/retention.ts";
export { EngineMetrics, METRICS_UNAUTHORIZED } from "./metrics.ts";
