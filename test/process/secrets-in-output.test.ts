import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ping, startEmbeddedRedis, type EmbeddedRedis } from "@helmr/embedded-redis";
import { HelmrClient } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { helmr } from "../harness/cli.ts";
import { eventually } from "../harness/poll.ts";
import { spawnHelmr, type HelmrProcess } from "../harness/processes.ts";
import { runReachesWithin } from "../harness/runs.ts";

/** What a process prints or logs never holds a secret: Redis passwords, callback secrets. */
const processes: HelmrProcess[] = [];
let redis: EmbeddedRedis | undefined;
afterEach(async () => {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode !== null) continue;
    p.child.kill("SIGTERM");
    await p.exited;
  }
  await redis?.stop();
  redis = undefined;
});

function start(args: string[], env: Record<string, string>): HelmrProcess {
  const process = spawnHelmr(args, env);
  processes.push(process);
  return process;
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("secrets stay out of output and logs", { timeout: 90_000 }, () => {
  it("a Redis password and a token's callback secret appear in no line helmr server, worker or dev print, at debug level", async () => {
    // A quote and a backslash: the password reaches redis-server as a quoted config line.
    const password = `pw"\\${randomBytes(12).toString("hex")}`;
    redis = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), "helmr-pw-redis-")), password, appendonly: false });
    const env = {
      HELMR_REDIS_URL: redis.url,
      HELMR_PREFIX: `t-${randomBytes(5).toString("hex")}`,
      HELMR_API_KEYS: `sk_test_${randomBytes(16).toString("hex")}`,
      HELMR_SECRET: randomBytes(32).toString("base64url"),
      HELMR_LOG_LEVEL: "debug",
    };
    expect(decodeURIComponent(redis.url)).toContain(password);

    const server = start(["server", "--port", "0", "--json"], env);
    const facts = await server.json<{ apiUrl: string; redisUrl: string }>(30_000);
    expect(facts.redisUrl).toBe(`redis://:***@127.0.0.1:${redis.port}`);
    const baseUrl = facts.apiUrl.replace(/\/api\/v1$/, "");
    const worker = start(["worker", "test/fixtures/tasks.ts", "--json"], { ...env, HELMR_PUBLIC_URL: baseUrl });
    await worker.json(30_000);
    const dev = start(["dev", "--port", "0", "--json"], env);
    await dev.json(30_000);

    // A token completed through its callback URL: the request log (debug) must not show the path's secret.
    const client = new HelmrClient({ baseUrl, apiKey: env.HELMR_API_KEYS });
    const { runId } = await client.tasks.trigger("await-token");
    const parked = await runReachesWithin(20_000, client, runId, "waiting");
    const tokenId = parked.waitingOn?.kind === "token" ? parked.waitingOn.tokenId : "";
    const created = await client.tokens.create({ timeout: "1h" });
    const callbackSecret = created.callbackUrl.split("/").pop()!;
    expect((await fetch(created.callbackUrl, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(200);
    await client.tokens.complete(tokenId, { yes: true });
    await runReachesWithin(20_000, client, runId, "completed");
    await eventually(() => server.stdout().includes("/callback/***"), { what: "the callback request in the server's debug log" });

    // Unreachable or misspelled, the URL is named without its password.
    const unreachable = await helmr(["worker", "test/fixtures/tasks.ts"], { HELMR_REDIS_URL: `redis://:${password}@127.0.0.1:1` });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("redis://:***@127.0.0.1:1");
    const misspelled = await helmr(["server"], { HELMR_REDIS_URL: `redis+cluster://user:${password}@`, HELMR_API_KEYS: env.HELMR_API_KEYS });
    expect(misspelled.code).toBe(1);
    expect(misspelled.stderr).toContain("HELMR_REDIS_URL");

    for (const p of processes) p.child.kill("SIGTERM");
    await Promise.all(processes.map((p) => p.exited));
    const printed = [server, worker, dev]
      .flatMap((p) => [p.stdout(), p.stderr()])
      .concat(unreachable.stdout, unreachable.stderr, misspelled.stdout, misspelled.stderr);
    // Long enough to be sure the logs were written at all.
    expect(printed.join("").length).toBeGreaterThan(500);
    for (const text of printed) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(encodeURIComponent(password));
      expect(text).not.toContain(callbackSecret);
    }
  });

  it("`helmr dev`'s embedded Redis asks for a password kept 0600, and its files and snapshots are its user's alone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "helmr-dev-perms-"));
    const dev = start(["dev", "--port", "0", "--json"], { HELMR_DATA_DIR: dataDir });
    const facts = await dev.json<{ redisUrl: string }>(30_000);
    const port = Number(/:(\d+)$/.exec(facts.redisUrl)![1]);
    expect(facts.redisUrl).toBe(`redis://:***@127.0.0.1:${port}`);
    const password = readFileSync(join(dataDir, "dev-redis-password"), "utf8").trim();
    expect(modeOf(join(dataDir, "dev-redis-password"))).toBe(0o600);
    expect(modeOf(join(dataDir, "redis"))).toBe(0o700);

    // Without the password the embedded Redis answers nothing; with it, everything.
    expect(await ping(port)).toBe(false);
    expect(await ping(port, { password: "wrong" })).toBe(false);
    expect(await ping(port, { password })).toBe(true);

    // A snapshot taken beside it (same data dir, so the same embedded Redis and password) is 0700/0600.
    const snapshot = await helmr(["snapshot", "create", "--json"], { HELMR_DATA_DIR: dataDir });
    expect(snapshot.code, snapshot.stderr).toBe(0);
    const root = join(dataDir, "snapshots");
    const entries = readdirSync(root, { recursive: true }) as string[];
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      const path = join(root, entry);
      expect(modeOf(path), path).toBe(statSync(path).isDirectory() ? 0o700 : 0o600);
    }
  });
});
