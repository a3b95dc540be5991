import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort } from "./free-port.ts";
import { ping } from "./ping.ts";
import { serverArgs } from "./server-args.ts";

export interface EmbeddedRedis {
  url: string;
  port: number;
  /** The redis-server's process id (a test that kills it outright needs it). */
  pid: number;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  /** Where the AOF and the pid file go (made 0700: the AOF holds every session's data). */
  dir: string;
  /** Clients must AUTH with it (requirepass); the URL carries it. */
  password?: string;
  port?: number;
  /** AOF on by default: parked runs must survive a restart (ARCHITECTURE.md invariant 6). */
  appendonly?: boolean;
  /** "everysec" by default; "always" makes every acknowledged write survive a crash (SIGKILL) too. */
  appendfsync?: "always" | "everysec";
  /** Reuse a server another Helmr process started in the same dir. */
  reuse?: boolean;
  /**
   * Start it in a process group of its own, so a signal sent to the group of the process
   * that started it (Ctrl-C, `timeout`, `docker stop`, systemd) does not stop Redis before
   * that process has drained its work into it; the owner stops it last (stop()).
   */
  ownProcessGroup?: boolean;
  startTimeoutMs?: number;
}

export class RedisNotInstalledError extends Error {
  override name = "RedisNotInstalledError";
  constructor() {
    super(
      "redis-server was not found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`, " +
        "macOS: `brew install redis`) or set HELMR_REDIS_URL to a Redis you run yourself.",
    );
  }
}

export function redisServerInstalled(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Starts (or, with `reuse`, joins) a loopback redis-server whose data lives in `dir`. */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode does not touch a folder that exists (one an older version made 0755).
  chmodSync(dir, 0o700);
  const stateFile = join(dir, "redis.json");
  const { password } = options;
  const urlOf = (port: number) => `redis://${password ? `:${encodeURIComponent(password)}@` : ""}127.0.0.1:${port}`;
  if (options.reuse) {
    const running = await findRunning(stateFile, password);
    if (running) return { url: urlOf(running.port), ...running, owned: false, stop: async () => {} };
  }
  if (!redisServerInstalled()) throw new RedisNotInstalledError();

  const port = options.port ?? (await freePort());
  const args = [...serverArgs(port, dir, options.appendonly !== false), "--appendfsync", options.appendfsync ?? "everysec"];
  // The password goes in on standard input, as a config file (`-`), never on the command line,
  // which every user of the machine can read in the process list.
  const child = spawn("redis-server", password ? ["-", ...args] : args, {
    stdio: [password ? "pipe" : "ignore", "ignore", "ignore"],
    detached: options.ownProcessGroup ?? false,
  });
  if (password) child.stdin!.end(`requirepass "${password.replace(/[\\"]/g, "\\$&")}"\n`);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  await waitUntilUp(child, port, options.startTimeoutMs ?? 10_000, dir, password);
  if (options.reuse) writeFileSync(stateFile, JSON.stringify({ pid: child.pid, port }), { mode: 0o600 });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (options.reuse) rmSync(stateFile, { force: true });
    child.kill("SIGTERM");
    await exited;
  };
  return { url: urlOf(port), port, pid: child.pid!, owned: true, stop };
}

async function findRunning(stateFile: string, password: string | undefined): Promise<{ port: number; pid: number } | undefined> {
  if (!existsSync(stateFile)) return undefined;
  try {
    const { pid, port } = JSON.parse(readFileSync(stateFile, "utf8")) as { pid: number; port: number };
    process.kill(pid, 0);
    return (await ping(port, { password })) ? { port, pid } : undefined;
  } catch {
    return undefined;
  }
}

async function waitUntilUp(child: ChildProcess, port: number, timeoutMs: number, dir: string, password: string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with code ${child.exitCode} on port ${port}; see ${join(dir, "redis.log")}`);
    }
    if (await ping(port, { password })) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms; see ${join(dir, "redis.log")}`);
}
