import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HelmrClient } from "@helmr/sdk";
import { afterEach, inject } from "vitest";
import { eventually } from "./poll.ts";

export const REPO = resolve(import.meta.dirname, "../..");
export const HELMR_BIN = resolve(REPO, "apps/cli/bin/run.js");

export interface HelmrProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** The first stdout line that parses as JSON and is not a log line (commands print their facts that way with --json). */
  json<T = Record<string, unknown>>(timeoutMs?: number): Promise<T>;
  exited: Promise<number | null>;
}

/**
 * Runs the real `helmr` binary with the given environment added to a clean one. With
 * `processGroup`, it leads a process group of its own, as under a shell or a supervisor, so
 * a test can signal the whole group.
 */
export function spawnHelmr(args: string[], env: Record<string, string>, cwd = REPO, options: { processGroup?: boolean } = {}): HelmrProcess {
  return spawnCommand(process.execPath, [HELMR_BIN, ...args], env, { cwd, ...options, label: `helmr ${args.join(" ")}` });
}

/** Runs any command as spawnHelmr runs `helmr` (a clean environment plus `env`, a data dir of its own): `npm start`, say. */
export function spawnCommand(
  command: string,
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; processGroup?: boolean; label?: string } = {},
): HelmrProcess {
  const label = options.label ?? [command, ...args].join(" ");
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO,
    detached: options.processGroup ?? false,
    // A data dir of its own unless the test names one: nothing a process writes (snapshots, an embedded Redis) lands in the repository.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      HELMR_LOG_LEVEL: "warn",
      HELMR_DATA_DIR: mkdtempSync(join(tmpdir(), "helmr-data-")),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    json: <T>(timeoutMs = 20_000) =>
      eventually(
        () => {
          if (child.exitCode !== null) throw new Error(`${label} exited ${child.exitCode}: ${err || out}`);
          for (const line of out.split("\n")) {
            if (!line.startsWith("{")) continue;
            const parsed = JSON.parse(line) as T & { level?: unknown; msg?: unknown };
            // pino's lines (a warning at start, say) carry a numeric level and a msg.
            if (typeof parsed.level === "number" && "msg" in parsed) continue;
            return parsed;
          }
          return undefined;
        },
        { timeoutMs, what: `${label} to print its facts` },
      ),
  };
}

/**
 * A `helmr worker` of test/fixtures/tasks.ts on a test stack's Redis and prefix, its fixture
 * log in `logFile`; added to `started`, which the test kills in its afterEach.
 */
export function startFixtureWorker(
  stack: { redisUrl: string; prefix: string },
  started: HelmrProcess[],
  logFile: string,
  env: Record<string, string> = {},
): HelmrProcess {
  const worker = spawnHelmr(["worker", "test/fixtures/tasks.ts", "--json"], {
    HELMR_REDIS_URL: stack.redisUrl,
    HELMR_PREFIX: stack.prefix,
    FIXTURE_LOG: logFile,
    ...env,
  });
  started.push(worker);
  return worker;
}

/** Starts `helmr` processes for a test file's tests, each stopped (SIGTERM, and waited for) after every test. */
export function startedPerTest(): (args: string[], env: Record<string, string>) => HelmrProcess {
  const started: HelmrProcess[] = [];
  afterEach(async () => {
    for (const p of started.splice(0)) {
      if (p.child.exitCode !== null) continue;
      p.child.kill("SIGTERM");
      await p.exited;
    }
  });
  return (args, env) => {
    const process = spawnHelmr(args, env);
    started.push(process);
    return process;
  };
}

/** `helmr server` on a prefix of its own (started with a file's startedPerTest) with `settings` besides, the settings its workers share, and a client of it. */
export async function startServerProcess(start: (args: string[], env: Record<string, string>) => HelmrProcess, settings: Record<string, string> = {}) {
  const env = {
    ...settings,
    HELMR_REDIS_URL: inject("redisUrl"),
    HELMR_PREFIX: `t-${randomBytes(5).toString("hex")}`,
    HELMR_API_KEYS: `sk_test_${randomBytes(16).toString("hex")}`,
    HELMR_SECRET: randomBytes(32).toString("base64url"),
  };
  const server = start(["server", "--port", "0", "--json"], env);
  const { apiUrl } = await server.json<{ apiUrl: string }>(30_000);
  const baseUrl = apiUrl.replace(/\/api\/v1$/, "");
  return { env, baseUrl, client: new HelmrClient({ baseUrl, apiKey: env.HELMR_API_KEYS }) };
}
