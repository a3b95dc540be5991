import { join } from "node:path";
import type { Settings } from "@helmr/config";
import { FileSnapshotStore } from "./file-store.ts";
import { S3SnapshotStore } from "./s3-store.ts";
import type { SnapshotStore } from "./store.ts";

export { FileSnapshotStore } from "./file-store.ts";
export { S3SnapshotStore, type S3StoreOptions } from "./s3-store.ts";
export { StoreError, type SnapshotStore } from "./store.ts";

/** S3 when HELMR_S3_BUCKET is set; otherwise the same format under HELMR_DATA_DIR/snapshots. */
export function snapshotStoreFrom(settings: Settings): SnapshotStore {
  if (!settings.HELMR_S3_BUCKET) return new FileSnapshotStore(join(settings.HELMR_DATA_DIR, "snapshots"));
  return new S3SnapshotStore({
    bucket: settings.HELMR_S3_BUCKET,
    prefix: settings.HELMR_S3_PREFIX,
    region: settings.HELMR_S3_REGION,
    endpoint: settings.HELMR_S3_ENDPOINT,
    accessKeyId: settings.HELMR_S3_ACCESS_KEY_ID,
    secretAccessKey: settings.HELMR_S3_SECRET_ACCESS_KEY,
  });
}
