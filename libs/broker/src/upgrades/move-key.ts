import type { Redis } from "ioredis";
import { isCluster } from "../redis-target.ts";

/**
 * Moves a key to a new name, for the layout upgrades; false when there is nothing to move
 * (an upgrade cut short that runs again finds it moved). On a cluster the new name is
 * usually in another slot, where RENAME cannot go: the value is copied (DUMP, RESTORE)
 * and the old key deleted.
 */
export async function moveKey(redis: Redis, from: string, to: string): Promise<boolean> {
  if (!isCluster(redis)) {
    if (!(await redis.exists(from))) return false;
    await redis.rename(from, to);
    return true;
  }
  const value = await redis.dumpBuffer(from);
  if (value === null) return false;
  const ttl = await redis.pttl(from);
  await redis.restore(to, Math.max(ttl, 0), value, "REPLACE");
  await redis.del(from);
  return true;
}
