import { HelmrError } from "@helmr/core";
import type { Redis } from "ioredis";
import { masterOf } from "./redis-target.ts";

/** How long a write may wait for its replicas before the request is answered 503. */
export const REPLICA_WAIT_MS = 2_000;

/**
 * HELMR_REDIS_WAIT_REPLICAS: an input delivery, a token completion and a trigger are
 * answered 2xx only once that many replicas hold the write (Redis WAIT), so a failover
 * right after cannot lose what was acknowledged. WAIT counts the replicas that have
 * everything the connection wrote so far, so it goes over the connection that wrote: on a
 * cluster, the connection to the master of the written key's slot. Replicas that do not
 * confirm in time: 503 replication_timeout, saying the write was applied on the primary
 * but may not survive a failover.
 */
export async function confirmReplicated(redis: Redis, key: string, replicas: number): Promise<void> {
  if (replicas <= 0) return;
  const acknowledged = await connectionFor(redis, key).wait(replicas, REPLICA_WAIT_MS);
  if (acknowledged < replicas) {
    throw new HelmrError(
      503,
      "replication_timeout",
      `The write was applied on the Redis primary, but ${acknowledged} of the ${replicas} replicas HELMR_REDIS_WAIT_REPLICAS asks for confirmed it within ${REPLICA_WAIT_MS} ms, so a failover could still lose it; check the replicas (INFO replication), or lower HELMR_REDIS_WAIT_REPLICAS`,
    );
  }
}

function connectionFor(redis: Redis, key: string): Redis {
  const node = masterOf(redis, key);
  if (!node) throw new HelmrError(503, "redis_unavailable", "Helmr does not know which Redis Cluster master holds this write right now (a failover?); retry shortly");
  return node;
}
