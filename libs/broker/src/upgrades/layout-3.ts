import type { Redis } from "ioredis";
import type { Keys } from "../keys.ts";
import { moveKey } from "./move-key.ts";

/**
 * Layout 3 gave the global keys that scripts and transactions touch together a hash tag
 * of their own, so a Redis Cluster keeps each group in one slot: the waiting index
 * (`{waiting}`) and the snapshot bookkeeping (`{snapshot}`). Upgrading renames them (a
 * single Redis: the only place layout 2 ran). The names are layout 3's, spelled out here:
 * layout 4 (layout-4.ts) moved most of them on.
 */
export async function tagGlobalKeys(redis: Redis, keys: Keys): Promise<number> {
  const old = (name: string) => `${keys.prefix}:${name}`;
  const renames: [string, string][] = [
    [old("waiting:dir"), old("{waiting}:dir")],
    [old("waiting:seq"), old("{waiting}:seq")],
    [old("changes"), old("{snapshot}:changes")],
    [old("changes:snapshotting"), old("{snapshot}:changes:snapshotting")],
    [old("snapshot:state"), keys.snapshotState()],
  ];
  // Every bucket the directory lists, by its number.
  const directory = (await redis.exists(old("waiting:dir"))) ? await redis.zrange(old("waiting:dir"), 0, -1) : await redis.zrange(old("{waiting}:dir"), 0, -1);
  for (const bucket of directory) renames.push([old(`waiting:${bucket}`), old(`{waiting}:${bucket}`)]);
  let renamed = 0;
  for (const [from, to] of renames) if (await moveKey(redis, from, to)) renamed++;
  return renamed;
}
