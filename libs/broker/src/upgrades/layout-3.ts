import type { Redis } from "ioredis";
import type { Keys } from "../keys.ts";

/**
 * Layout 3 gives the global keys that scripts and transactions touch together a hash tag
 * of their own, so a Redis Cluster keeps each group in one slot: the waiting index
 * (`{waiting}`) and the snapshot bookkeeping (`{snapshot}`). Upgrading renames them
 * (a single Redis: the only place layout 2 ran).
 */
export async function tagGlobalKeys(redis: Redis, keys: Keys): Promise<number> {
  const old = (name: string) => `${keys.prefix}:${name}`;
  const renames: [string, string][] = [
    [old("waiting:dir"), keys.waitingDirectory()],
    [old("waiting:seq"), keys.waitingSequence()],
    [old("changes"), keys.changes()],
    [old("changes:snapshotting"), keys.changesInFlight()],
    [old("snapshot:state"), keys.snapshotState()],
  ];
  // Every bucket the directory lists, by its number.
  const directory = (await redis.exists(old("waiting:dir"))) ? await redis.zrange(old("waiting:dir"), 0, -1) : await redis.zrange(keys.waitingDirectory(), 0, -1);
  for (const bucket of directory) renames.push([old(`waiting:${bucket}`), keys.waitingBuckets() + bucket]);
  let renamed = 0;
  for (const [from, to] of renames) {
    // Already renamed when an upgrade cut short runs again.
    if (!(await redis.exists(from))) continue;
    await redis.rename(from, to);
    renamed++;
  }
  return renamed;
}
