import { MANIFEST, manifestName, parseManifest, type Manifest } from "./format.ts";
import type { SnapshotStore } from "./stores/store.ts";

/** Every finished snapshot in the store (those with a manifest), oldest first. */
export async function listSnapshots(store: SnapshotStore): Promise<Manifest[]> {
  const names = (await store.list()).filter((name) => name.endsWith(`/${MANIFEST}`));
  const manifests: Manifest[] = [];
  for (const name of names) {
    const body = await store.get(name);
    if (body) manifests.push(parseManifest(body, name));
  }
  return manifests.sort((a, b) => a.id.localeCompare(b.id));
}

export async function readManifest(store: SnapshotStore, snapshotId: string): Promise<Manifest | null> {
  const body = await store.get(manifestName(snapshotId));
  return body ? parseManifest(body, manifestName(snapshotId)) : null;
}

/**
 * What restoring a snapshot applies: the snapshot, then its parents back to a full one,
 * newest first (a unit's newest copy wins).
 */
export async function chainOf(store: SnapshotStore, snapshotId: string): Promise<Manifest[]> {
  const chain: Manifest[] = [];
  let id: string | null = snapshotId;
  while (id) {
    const manifest = await readManifest(store, id);
    if (!manifest) {
      const missing = chain.length === 0 ? `snapshot ${id} was not found` : `snapshot ${chain.at(-1)!.id} needs its parent ${id}, which is missing`;
      throw new SnapshotNotFoundError(`${missing}; \`helmr snapshot list\` shows the snapshots there are`);
    }
    chain.push(manifest);
    id = manifest.parent;
  }
  return chain;
}

export class SnapshotNotFoundError extends Error {
  override name = "SnapshotNotFoundError";
}
