import { parseRedisUrl } from "@helmr/core";
import calculateSlot from "cluster-key-slot";
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";

/**
 * A client for the URL (core's parseRedisUrl reads it). A Cluster client is handed out typed
 * as Redis: the command API Helmr uses is the same on both, and the few places that must
 * tell them apart (a pipeline spanning nodes, a scan over every master) ask `isCluster`.
 */
export function redisClient(url: string, options: RedisOptions): Redis {
  const target = parseRedisUrl(url);
  if (target.kind === "single") return new Redis(url, options);
  const { nodes, username, password, tls } = target;
  const redisOptions: RedisOptions = { ...options, ...(username ? { username } : {}), ...(password ? { password } : {}), ...(tls ? { tls: {} } : {}) };
  const clusterOptions: ClusterOptions = {
    redisOptions,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    lazyConnect: options.lazyConnect,
    // Retry a command moved by a failover or a resharding a few times, as a single Redis's reconnect would.
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    clusterRetryStrategy: options.retryStrategy === undefined ? undefined : (times) => options.retryStrategy!(times) ?? null,
  };
  return new Cluster(nodes, clusterOptions) as unknown as Redis;
}

export function isCluster(redis: Redis): boolean {
  return (redis as unknown as { isCluster?: boolean }).isCluster === true;
}

/** The masters of a cluster, or the one Redis: where a command about every key (SCAN, FLUSHALL, INFO) must go. */
export function masters(redis: Redis): Redis[] {
  return isCluster(redis) ? (redis as unknown as Cluster).nodes("master") : [redis];
}

/** The connection to the master that serves a key (the one Redis, off a cluster); undefined while a cluster does not know it (a failover). */
export function masterOf(redis: Redis, key: string): Redis | undefined {
  if (!isCluster(redis)) return redis;
  const cluster = redis as unknown as Cluster;
  const [master] = cluster.slots[calculateSlot(key)] ?? [];
  return cluster.nodes("master").find((node) => `${node.options.host}:${node.options.port}` === master);
}
