import type { Redis } from "ioredis";

/** BullMQ rewrites this on its own timer while a worker runs; it says nothing about a request. */
const BACKGROUND_KEYS = /:stalled-check$/;

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
