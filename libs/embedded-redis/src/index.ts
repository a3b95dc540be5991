export * from "./embedded-redis.ts";
export { freePort } from "./free-port.ts";
export { ping } from "./ping.ts";
export { startLocalCluster, type ClusterNode, type LocalCluster } from "./local-cluster.ts";
