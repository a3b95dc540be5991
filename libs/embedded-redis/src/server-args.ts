import { join } from "node:path";

/**
 * The settings of every redis-server Helmr starts (the embedded one, a local cluster's
 * nodes): on loopback, its files in `dir`, no RDB saves, in the foreground.
 */
export function serverArgs(port: number, dir: string, appendonly: boolean): string[] {
  return [
    ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""],
    ...["--appendonly", appendonly ? "yes" : "no", "--daemonize", "no", "--protected-mode", "yes", "--logfile", join(dir, "redis.log")],
    // Redis notices a blocked client's timeout on its hz tick; BullMQ wakes delayed jobs
    // (Helmr's timers) that way, so hz 10 would make timers fire up to 100 ms late.
    ...["--hz", "100"],
    // Run hashes hold JSON values (payloads, waits) longer than Redis's default 64-byte
    // listpack limit; above it a small hash turns into a hashtable several times its size.
    ...["--hash-max-listpack-value", "1024"],
  ];
}
