import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { portsFree } from "./free-port.ts";
import { ping } from "./ping.ts";
import { serverArgs } from "./server-args.ts";

export interface ClusterNode {
  port: number;
  child: ChildProcess;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
}

export interface LocalCluster {
  /** `redis+cluster://127.0.0.1:<port>,…`, every master and replica, as HELMR_REDIS_URL takes it. */
  url: string;
  nodes: ClusterNode[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster on loopback ports, for tests and benchmarks: `masters` redis-servers
 * with `--cluster-enabled yes`, each with `replicasPerMaster` replicas, joined by
 * `redis-cli --cluster create` and waited for until every node says cluster_state:ok.
 * A cluster node also listens on its port + 10000 (the cluster bus), so both are picked free.
 */
export async function startLocalCluster(options: {
  dir: string;
  masters?: number;
  replicasPerMaster?: number;
  appendonly?: boolean;
  startTimeoutMs?: number;
}): Promise<LocalCluster> {
  const dir = resolve(options.dir);
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const count = masters * (1 + replicas);
  const ports = await clusterPorts(count);
  const nodes = ports.map((port) => {
    const nodeDir = join(dir, String(port));
    mkdirSync(nodeDir, { recursive: true });
    const args = [
      ...serverArgs(port, nodeDir, options.appendonly ?? false),
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      join(nodeDir, "nodes.conf"),
      "--cluster-node-timeout",
      "2000",
      // A replica's first sync starts at once rather than after Redis's default 5 s.
      "--repl-diskless-sync-delay",
      "0",
    ];
    const child = spawn("redis-server", args, { stdio: "ignore" });
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    return { port, child, exited };
  });
  const stop = async () => {
    for (const node of nodes) node.child.kill("SIGTERM");
    await Promise.all(nodes.map((node) => node.exited));
  };
  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
    for (const { port } of nodes) while (!(await ping(port))) await pause(deadline, `redis-server on port ${port} to answer`);
    const create = spawnSync(
      "redis-cli",
      ["--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", String(replicas), "--cluster-yes"],
      { encoding: "utf8" },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
    for (const { port } of nodes) {
      while (!clusterStateOk(port)) await pause(deadline, `the cluster to be ok on port ${port}`);
    }
    // Replicas in sync with their masters, so a WAIT for them can be met from the start.
    for (const { port } of nodes) {
      while (!replicaInSync(port)) await pause(deadline, `the replica on port ${port} to be in sync`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(",")}`, nodes, stop };
}

function clusterStateOk(port: number): boolean {
  const info = spawnSync("redis-cli", ["-p", String(port), "cluster", "info"], { encoding: "utf8" });
  return /cluster_state:ok/.test(info.stdout ?? "");
}

/** True for a master, and for a replica whose link to its master is up. */
function replicaInSync(port: number): boolean {
  const info = spawnSync("redis-cli", ["-p", String(port), "info", "replication"], { encoding: "utf8" }).stdout ?? "";
  return /role:master/.test(info) || /master_link_status:up/.test(info);
}

async function pause(deadline: number, what: string): Promise<void> {
  if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  await new Promise((r) => setTimeout(r, 50));
}

/** Ports whose port + 10000 (the cluster bus) is free as well. */
async function clusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (!ports.includes(port) && (await portsFree([port, port + 10_000]))) ports.push(port);
  }
  return ports;
}
