import { parseDuration } from "@helmr/core";
import type { HelmrEngine } from "@helmr/broker";
import { SnapshotService, snapshotStoreFrom } from "@helmr/broker/snapshots";
import type { Settings } from "@helmr/config";

/** The snapshot service of a process, on the store the settings name (S3 or HELMR_DATA_DIR/snapshots). */
export function snapshotServiceFor(engine: HelmrEngine, settings: Settings): SnapshotService {
  return new SnapshotService(engine, snapshotStoreFrom(settings), {
    intervalMs: parseDuration(settings.HELMR_SNAPSHOT_INTERVAL),
    fullEvery: settings.HELMR_SNAPSHOT_FULL_EVERY,
    retain: settings.HELMR_SNAPSHOT_RETAIN,
  });
}
