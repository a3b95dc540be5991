import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { SnapshotStore } from "./store.ts";

/**
 * The embedded default: the same objects as files under a folder (HELMR_DATA_DIR/snapshots).
 * A snapshot holds every session's inputs and outputs: folders are 0700 and files 0600, so
 * only the user Helmr runs as reads them.
 */
export class FileSnapshotStore implements SnapshotStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  locationOf(snapshotId: string): string {
    return join(this.root, snapshotId) + sep;
  }

  /** Written to a temporary name, then renamed: a reader never sees half a file. */
  async put(name: string, body: Buffer): Promise<void> {
    const path = this.pathOf(name);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, body, { mode: 0o600 });
    await rename(temporary, path);
  }

  async get(name: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async list(prefix = ""): Promise<string[]> {
    let files: string[];
    try {
      files = await readdir(this.root, { recursive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return files
      .map((file) => relative(this.root, join(this.root, file)).split(sep).join("/"))
      .filter((name) => name.startsWith(prefix) && !name.endsWith(".tmp"))
      .sort();
  }

  async remove(names: string[]): Promise<void> {
    const folders = new Set<string>();
    for (const name of names) {
      await rm(this.pathOf(name), { force: true });
      folders.add(dirname(this.pathOf(name)));
    }
    // A snapshot's folder goes with its last object (rmdir refuses a folder still in use).
    for (const folder of folders) if (folder !== this.root) await rmdir(folder).catch(() => {});
  }

  private pathOf(name: string): string {
    const path = resolve(this.root, name);
    if (!path.startsWith(this.root + sep)) throw new Error(`snapshot object name escapes the store: ${name}`);
    return path;
  }
}
