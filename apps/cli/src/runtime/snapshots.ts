import { parseDuration } from "@helmr/core";
import { SnapshotService, snapshotStoreFrom, type HelmrEngine } from "@helmr/broker";
import type { Settings } from "@helmr/config";

/** The snapshot service of a process, on the store the settings name (S3 or HELMR_DATA_DIR/snapshots). */
export function snapshotServiceFor(engine: HelmrEngine, settings: Settings): SnapshotService {
  return new SnapshotService(engine, snapshotStoreFrom(settings), {
    intervalMs: parseDuration(settings.HELMR_SNAPSHOT_INTERVAL),
    fullEvery: settings.HELMR_SNAPSHOT_FULL_EVERY,
    retain: settings.HELMR_SNAPSHOT_RETAIN,
  });
}
