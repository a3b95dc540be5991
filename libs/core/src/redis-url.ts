/**
 * HELMR_REDIS_URL names one Redis (`redis://…`, `rediss://…`) or a Redis Cluster:
 * `redis+cluster://host1:7000,host2:7001` (`rediss+cluster://` for TLS; a user and password
 * before the first host apply to every node). Read here once, for the settings' check, the
 * broker's client and every place a URL is shown (with its password hidden).
 */
export type RedisTarget =
  | { kind: "single"; url: string }
  | { kind: "cluster"; tls: boolean; nodes: { host: string; port: number }[]; username?: string; password?: string };

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\/(.*)$/;
const SINGLE_SCHEME = /^rediss?:\/\//;

/** The target a URL names; throws an Error saying what is wrong and what to write instead. */
export function parseRedisUrl(url: string): RedisTarget {
  const cluster = CLUSTER_SCHEME.exec(url);
  if (!cluster) {
    if (!SINGLE_SCHEME.test(url)) throw new Error("must be a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL");
    try {
      new URL(url);
    } catch {
      throw new Error("is not a valid URL; write redis://[user:password@]host:port[/db]");
    }
    return { kind: "single", url };
  }
  const [, scheme, rest] = cluster;
  const at = rest.lastIndexOf("@");
  const credentials = at >= 0 ? new URL(`${scheme}://${rest.slice(0, at)}@x`) : undefined;
  const nodes = (at >= 0 ? rest.slice(at + 1) : rest)
    .replace(/\/.*$/, "")
    .split(",")
    .filter(Boolean)
    .map((hostPort) => {
      let node: URL;
      try {
        node = new URL(`${scheme}://${hostPort}`);
      } catch {
        throw new Error(`names a cluster node that is not host:port (${JSON.stringify(hostPort)}); write redis+cluster://host:port,host:port`);
      }
      return { host: node.hostname, port: Number(node.port || 6379) };
    });
  if (nodes.length === 0) throw new Error("names no cluster node; write redis+cluster://host:port,host:port");
  return {
    kind: "cluster",
    tls: scheme === "rediss",
    nodes,
    ...(credentials?.username ? { username: decodeURIComponent(credentials.username) } : {}),
    ...(credentials?.password ? { password: decodeURIComponent(credentials.password) } : {}),
  };
}

/** The URL with its password replaced by `***`, for logs, banners and error messages. */
export function redactRedisUrl(url: string): string {
  // The password is what stands between the first `:` after `://` and the `@` that ends the credentials.
  return url.replace(/^([a-z+]+:\/\/[^:@/]*):[^@/]*@/i, "$1:***@");
}
