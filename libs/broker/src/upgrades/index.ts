import type { Resources } from "../resources.ts";
import { isLayout1RunHash, upgradeRunHash } from "./layout-2.ts";
import { batch } from "../pipelines.ts";

export { isLayout1RunHash, upgradeRunHash } from "./layout-2.ts";

/** How many run hashes one round of the upgrade reads and rewrites. */
const BATCH = 200;
/** How long one process may hold the upgrade before another takes it over. */
const UPGRADE_LOCK_MS = 120_000;

/**
 * Upgrades the data under the prefix from layout `from` to the current one, in place. Run
 * by the first engine of a new version that opens a prefix written by the old one, with
 * every process of the old version stopped (the README says so). One process upgrades;
 * the others wait for it. Each run hash is rewritten in one MULTI, and one already in the
 * new layout is left alone, so an upgrade cut short is simply run again.
 * Returns false when `from` has no upgrade.
 */
export async function upgradeLayout(resources: Resources, from: number, to: number): Promise<boolean> {
  if (from !== 1 || to !== 2) return false;
  const { redis, keys, logger } = resources;
  const lock = `${keys.layout()}:upgrading`;
  if ((await redis.set(lock, String(process.pid), "PX", UPGRADE_LOCK_MS, "NX")) !== "OK") {
    const deadline = Date.now() + UPGRADE_LOCK_MS;
    while (Date.now() < deadline && (await redis.get(keys.layout())) !== String(to)) await new Promise((resolve) => setTimeout(resolve, 200));
    return (await redis.get(keys.layout())) === String(to);
  }
  let upgraded = 0;
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${keys.prefix}:{*}:r:*`, "COUNT", BATCH);
    cursor = next;
    const read = batch(redis);
    for (const key of found) read.hgetall(key);
    const hashes = ((await read.exec()) ?? []).map(([error, hash]) => (error ? null : (hash as Record<string, string>)));
    const write = redis.multi();
    found.forEach((key, i) => {
      const hash = hashes[i];
      if (!hash || !isLayout1RunHash(hash)) return;
      const { set, del } = upgradeRunHash(hash);
      if (del.length) write.hdel(key, ...del);
      if (Object.keys(set).length) write.hset(key, set);
      upgraded++;
    });
    await write.exec();
    await redis.pexpire(lock, UPGRADE_LOCK_MS);
  } while (cursor !== "0");
  await redis.set(keys.layout(), String(to));
  await redis.del(lock);
  logger.info({ runs: upgraded, from, to }, `upgraded the data under "${keys.prefix}" from layout ${from} to ${to}`);
  return true;
}
