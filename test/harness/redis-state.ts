import { masters } from "@helmr/broker";
import type { Redis } from "ioredis";

/**
 * Written on their own timers while a worker runs, saying nothing about a request: BullMQ's
 * stalled check, the retention sweeper's lock and cursors, the snapshot change marks it
 * drops where no snapshot is taken (and the lock it takes to), the maintenance queue's jobs,
 * the live workers' heartbeats (`workers`, warm-workers.ts);
 * and the marks a script's change sends after it answered (the change marks and the
 * retention due index, lua/run-script.ts), which may land after the response that
 * followed the change. What a request would write beside a mark (a session, a run, a token)
 * is compared still.
 */
export const BACKGROUND_KEYS = /:stalled-check$|:retention:(lock|cursors)$|\{snapshot\}:lock$|:changes$|:due$|:workers$|\}:maintenance:/;

/**
 * Every key a test's prefix owns, Helmr's (`<prefix>:…`) and BullMQ's (`{<prefix>}:…`), with
 * its serialized value (DUMP), so two calls compare equal exactly when nothing was written.
 */
export async function redisState(redis: Redis, prefix: string): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
    for (const key of await allKeys(redis, pattern)) {
      if (BACKGROUND_KEYS.test(key)) continue;
      const value = await redis.dumpBuffer(key);
      if (value) state[key] = value.toString("hex");
    }
  }
  return Object.fromEntries(Object.entries(state).sort(([a], [b]) => a.localeCompare(b)));
}

/** The names of the keys a test's prefix owns, but for the background ones (BACKGROUND_KEYS), sorted. */
export async function prefixKeys(redis: Redis, prefix: string): Promise<string[]> {
  return (await allKeys(redis, `${prefix}:*`)).filter((key) => !BACKGROUND_KEYS.test(key)).sort();
}

/** Every key matching a pattern, on every master of a cluster (KEYS and SCAN see one node's). */
export async function allKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of masters(redis)) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== "0");
  }
  return found;
}

/** Deletes every key matching a pattern, one DEL each (on a cluster they may lie in many slots). */
export async function deleteAll(redis: Redis, pattern: string): Promise<void> {
  for (const key of await allKeys(redis, pattern)) await redis.del(key);
}
