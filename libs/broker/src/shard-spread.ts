import type { Redis } from "ioredis";
import type { Keys } from "./keys.ts";
import { isCluster, masterOf, masters } from "./redis-target.ts";

/**
 * On a Redis Cluster, where the queue shards (HELMR_QUEUE_SHARDS) land: each shard's runs
 * queue and global structures live under a fixed hash tag (`{g<n>}`), so on a slot, on
 * whichever master serves it. Two shards may share a master while another serves none, and
 * one shard (the default) puts every resume's global writes on one master. Null off a
 * cluster, or when every master serves at least one shard.
 */
export function shardSpreadWarning(redis: Redis, keys: Keys, shards: number): string | null {
  if (!isCluster(redis)) return null;
  const all = masters(redis);
  const served = new Map(all.map((node) => [node, 0]));
  for (let shard = 0; shard < shards; shard++) {
    const node = masterOf(redis, keys.queuePrefix(shard));
    if (node) served.set(node, (served.get(node) ?? 0) + 1);
  }
  const idle = [...served.values()].filter((count) => count === 0).length;
  if (idle === 0) return null;
  return (
    `HELMR_QUEUE_SHARDS=${shards} puts the runs queues and the indexes every resume writes on ${all.length - idle} of the cluster's ${all.length} masters; ` +
    `the other ${idle} carry none of that load. Shards land on masters by the slots of their fixed hash tags: use 2-4 shards per master ` +
    `(set before the first start; a prefix keeps its count) so that every master serves some`
  );
}
