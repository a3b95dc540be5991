import type { Resources } from "../resources.ts";
import { isLayout1RunHash, upgradeRunHash } from "./layout-2.ts";
import { batch } from "../pipelines.ts";
import { tagGlobalKeys } from "./layout-3.ts";
import { shardGlobalKeys } from "./layout-4.ts";
import { nameRunTokens } from "./layout-5.ts";

export { isLayout1RunHash, upgradeRunHash } from "./layout-2.ts";
export { nameInSessions } from "./layout-5.ts";

/** How many run hashes one round of the upgrade reads and rewrites. */
const BATCH = 200;
/** How long one process may hold the upgrade before another takes it over. */
const UPGRADE_LOCK_MS = 120_000;

/**
 * Upgrades the data under the prefix from layout `from` to `to`, in place, a step per
 * version. Run by the first engine of a new version that opens a prefix written by the old
 * one, with every process of the old version stopped (the README says so). One process
 * upgrades; the others wait for it. Each step can run again over its own half-done work, so
 * an upgrade cut short is simply run again. Returns false when a step is missing.
 */
export async function upgradeLayout(resources: Resources, from: number, to: number): Promise<boolean> {
  const steps = Array.from({ length: to - from }, (_, i) => STEPS[from + i]);
  if (steps.length === 0 || steps.some((step) => !step)) return false;
  const { redis, keys, logger } = resources;
  const lock = `${keys.layout()}:upgrading`;
  if ((await redis.set(lock, String(process.pid), "PX", UPGRADE_LOCK_MS, "NX")) !== "OK") {
    const deadline = Date.now() + UPGRADE_LOCK_MS;
    while (Date.now() < deadline && (await redis.get(keys.layout())) !== String(to)) await new Promise((resolve) => setTimeout(resolve, 200));
    return (await redis.get(keys.layout())) === String(to);
  }
  for (const [i, step] of steps.entries()) {
    const changed = await step(resources, () => redis.pexpire(lock, UPGRADE_LOCK_MS));
    await redis.set(keys.layout(), String(from + i + 1));
    logger.info({ changed, from: from + i, to: from + i + 1 }, `upgraded the data under "${keys.prefix}" from layout ${from + i} to ${from + i + 1}`);
  }
  await redis.del(lock);
  return true;
}

/** What upgrades layout N to N + 1; each returns how many records or keys it changed. */
const STEPS: Record<number, (resources: Resources, stillHolding: () => Promise<unknown>) => Promise<number>> = {
  1: upgradeRunHashes,
  2: (resources) => tagGlobalKeys(resources.redis, resources.keys),
  3: (resources) => shardGlobalKeys(resources.redis, resources.keys),
  4: (resources) => nameRunTokens(resources.redis, resources.keys),
};

/** Layout 1 to 2: run hashes' journals and events into chunked fields (layout-2.ts). */
async function upgradeRunHashes(resources: Resources, stillHolding: () => Promise<unknown>): Promise<number> {
  const { redis, keys } = resources;
  let upgraded = 0;
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${keys.prefix}:{*}:r:*`, "COUNT", BATCH);
    cursor = next;
    const read = batch(redis);
    for (const key of found) read.hgetall(key);
    const hashes = ((await read.exec()) ?? []).map(([error, hash]) => (error ? null : (hash as Record<string, string>)));
    // One rewrite per hash, each on its own: the keys lie in many slots of a cluster.
    const write = batch(redis);
    found.forEach((key, i) => {
      const hash = hashes[i];
      if (!hash || !isLayout1RunHash(hash)) return;
      const { set, del } = upgradeRunHash(hash);
      if (del.length) write.hdel(key, ...del);
      if (Object.keys(set).length) write.hset(key, set);
      upgraded++;
    });
    await write.exec();
    await stillHolding();
  } while (cursor !== "0");
  return upgraded;
}
