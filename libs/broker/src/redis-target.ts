import calculateSlot from "cluster-key-slot";
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";

/**
 * HELMR_REDIS_URL names one Redis (`redis://…`, `rediss://…`) or a Redis Cluster:
 * `redis+cluster://host1:7000,host2:7001` (`rediss+cluster://` for TLS; a user and password
 * before the first host apply to every node). Any reachable nodes will do: the client learns
 * the rest from them.
 */
const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\/(.*)$/;

export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url);
}

/**
 * A client for the URL. A Cluster client is handed out typed as Redis: the command API
 * Helmr uses is the same on both, and the few places that must tell them apart (a
 * pipeline spanning nodes, a scan over every master) ask `isCluster`.
 */
export function redisClient(url: string, options: RedisOptions): Redis {
  const cluster = CLUSTER_SCHEME.exec(url);
  if (!cluster) return new Redis(url, options);
  const [, scheme, rest] = cluster;
  const at = rest.lastIndexOf("@");
  const credentials = at >= 0 ? new URL(`${scheme}://${rest.slice(0, at)}@x`) : undefined;
  const nodes = (at >= 0 ? rest.slice(at + 1) : rest)
    .replace(/\/.*$/, "")
    .split(",")
    .filter(Boolean)
    .map((hostPort) => {
      const url = new URL(`${scheme}://${hostPort}`);
      return { host: url.hostname, port: Number(url.port || 6379) };
    });
  if (nodes.length === 0) throw new Error(`HELMR_REDIS_URL ${url} names no cluster node; write redis+cluster://host:port,host:port`);
  const redisOptions: RedisOptions = {
    ...options,
    ...(credentials?.username ? { username: decodeURIComponent(credentials.username) } : {}),
    ...(credentials?.password ? { password: decodeURIComponent(credentials.password) } : {}),
    ...(scheme === "rediss" ? { tls: {} } : {}),
  };
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
