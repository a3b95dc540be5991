import type { Redis } from "ioredis";

/**
 * Written on their own timers while a worker runs, saying nothing about a request: BullMQ's
 * stalled check, the retention sweeper's lock and cursors, the snapshot change marks it
 * drops where no snapshot is taken (and the lock it takes to), the maintenance queue's jobs.
 * What a request would write beside a mark (a session, a run, a token) is compared still.
 */
export const BACKGROUND_KEYS = /:stalled-check$|:retention:(lock|cursors)$|:snapshot:lock$|:changes$|\}:maintenance:/;

/**
 * Every key a test's prefix owns, Helmr's (`<prefix>:…`) and BullMQ's (`{<prefix>}:…`), with
 * its serialized value (DUMP), so two calls compare equal exactly when nothing was written.
 */
export async function redisState(redis: Redis, prefix: string): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        if (BACKGROUND_KEYS.test(key)) continue;
        const value = await redis.dumpBuffer(key);
        if (value) state[key] = value.toString("hex");
      }
    } while (cursor !== "0");
  }
  return Object.fromEntries(Object.entries(state).sort(([a], [b]) => a.localeCompare(b)));
}

/** The names of the keys a test's prefix owns, but for the background ones (BACKGROUND_KEYS), sorted. */
export async function prefixKeys(redis: Redis, prefix: string): Promise<string[]> {
  return (await redis.keys(`${prefix}:*`)).filter((key) => !BACKGROUND_KEYS.test(key)).sort();
}
