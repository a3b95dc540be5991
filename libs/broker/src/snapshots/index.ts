// Snapshots, a subpath of their own (`@helmr/broker/snapshots`): what takes or restores them
// imports this, and a worker, which does neither, never loads the S3 client.
export { SnapshotService, SNAPSHOTS_QUEUE, type SnapshotServiceOptions } from "./service.ts";
export { SnapshotInProgressError, type SnapshotResult } from "./writer.ts";
export { markAttended } from "./lock.ts";
export { RestoreRefusedError, type RestoreOptions, type RestoreResult } from "./restore.ts";
export { SnapshotNotFoundError } from "./catalog.ts";
export { isSnapshotId, type Manifest } from "./format.ts";
export { FileSnapshotStore, S3SnapshotStore, StoreError, snapshotStoreFrom, type SnapshotStore } from "./stores/index.ts";
export { parkedRunsInSnapshot, type ReplayableRun } from "./parked-runs.ts";
