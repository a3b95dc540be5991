import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SHUTDOWN_SLACK_MS } from "../../apps/cli/src/runtime/shutdown.ts";
import { startEmbeddedRedis, type EmbeddedRedis } from "@helmr/embedded-redis";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { spawnHelmr, type HelmrProcess } from "../harness/processes.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

/** Every process stops in time when told to, Redis up or down. */
const GRACE_MS = 1_000;
const processes: HelmrProcess[] = [];
const redises: EmbeddedRedis[] = [];
let stack: TestStack | undefined;
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  for (const r of redises.splice(0)) await r.stop();
  await stack?.close();
  stack = undefined;
});

/** The exit code, once the process has exited; fails if it is still alive past grace plus slack. */
const exitsInTime = (p: HelmrProcess) =>
  eventually(() => p.child.exitCode ?? p.child.signalCode ?? undefined, {
    timeoutMs: GRACE_MS + SHUTDOWN_SLACK_MS,
    intervalMs: 50,
    what: "the process to exit",
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Without a Redis URL, the processes start the embedded one. */
const baseEnv = (redisUrl: string | undefined, prefix: string) => ({
  ...(redisUrl ? { HELMR_REDIS_URL: redisUrl } : {}),
  HELMR_PREFIX: prefix,
  HELMR_SHUTDOWN_GRACE_MS: String(GRACE_MS),
  HELMR_API_KEYS: "sk_test_shutdown_0000000000",
  HELMR_SECRET: "s".repeat(40),
  HELMR_DATA_DIR: mkdtempSync(join(tmpdir(), "helmr-shutdown-data-")),
  HELMR_SNAPSHOT_INTERVAL: "0",
});

describe("SIGTERM with Redis gone", () => {
  it("stops `helmr server`, `helmr worker` and `helmr dev` within the grace period", async () => {
    const redis = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), "helmr-shutdown-redis-")) });
    redises.push(redis);
    const env = baseEnv(redis.url, "down");
    const started = [
      spawnHelmr(["server", "--port", "0", "--json"], env),
      spawnHelmr(["worker", "test/fixtures/tasks.ts", "--json"], env),
      spawnHelmr(["dev", "test/fixtures/tasks.ts", "--port", "0", "--json"], env),
    ];
    processes.push(...started);
    for (const p of started) await p.json();

    await redis.stop();
    for (const p of started) p.child.kill("SIGTERM");
    for (const p of started) expect(await exitsInTime(p), p.stderr()).toBe(0);
  });
});

describe("SIGTERM with Redis up", () => {
  it("a worker whose executions are in 30 s steps hands them back after the grace period and exits", async () => {
    stack = await startStack();
    const log = join(mkdtempSync(join(tmpdir(), "helmr-shutdown-log-")), "log");
    writeFileSync(log, "");
    const worker = spawnHelmr(["worker", "test/fixtures/tasks.ts", "--json"], { ...baseEnv(stack.redisUrl, stack.prefix), FIXTURE_LOG: log });
    processes.push(worker);
    await worker.json();
    const runs = await Promise.all([1, 2, 3].map(() => stack!.client.tasks.trigger("slow-step")));
    await eventually(
      () =>
        readFileSync(log, "utf8")
          .split("\n")
          .filter((line) => line.startsWith("slow-step started")).length === 3,
    );

    worker.child.kill("SIGTERM");
    expect(await exitsInTime(worker)).toBe(0);
    for (const { runId } of runs) expect((await stack.client.runs.retrieve(runId)).status).toBe("queued");
  });

  it("`helmr dev` stopped by SIGTERM to its whole process group drains, stops its embedded Redis last, and leaves no redis-server behind", async () => {
    const env = baseEnv(undefined, "dev");
    const dev = spawnHelmr(["dev", "test/fixtures/tasks.ts", "--port", "0", "--json"], env, undefined, { processGroup: true });
    processes.push(dev);
    const { apiUrl, embeddedRedis } = await dev.json<{ apiUrl: string; embeddedRedis: boolean }>();
    expect(embeddedRedis).toBe(true);
    const stateFile = join(env.HELMR_DATA_DIR, "redis", "redis.json");
    const { pid: redisPid } = JSON.parse(readFileSync(stateFile, "utf8")) as { pid: number };
    expect(alive(redisPid)).toBe(true);

    process.kill(-dev.child.pid!, "SIGTERM");
    expect(await exitsInTime(dev), `stdout: ${dev.stdout()}\nstderr: ${dev.stderr()}`).toBe(0);
    // No ECONNREFUSED storm: the API and worker closed before their Redis did.
    expect(dev.stdout() + dev.stderr()).not.toMatch(/ECONNREFUSED/);
    await eventually(() => !alive(redisPid), { what: "the embedded redis-server to exit" });
    expect(existsSync(stateFile)).toBe(false);
    await expect(fetch(new URL("/healthz", apiUrl))).rejects.toThrow();
  });
});
