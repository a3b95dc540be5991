/**
 * Where snapshots go: object names like `snp_…/manifest.json`, relative to the store's
 * own prefix. Two implementations keep the same layout: S3-compatible storage and, for
 * the embedded default, a folder.
 */
export interface SnapshotStore {
  /** Where a snapshot's objects are, for people: `s3://bucket/prefix/snp_…/` or a path. */
  locationOf(snapshotId: string): string;
  put(name: string, body: Buffer): Promise<void>;
  /** null when the object does not exist. */
  get(name: string): Promise<Buffer | null>;
  /** Names under a prefix, sorted. */
  list(prefix?: string): Promise<string[]>;
  remove(names: string[]): Promise<void>;
  close?(): void;
}

/** A storage failure, with a message that says what to check. */
export class StoreError extends Error {
  override name = "StoreError";
}
