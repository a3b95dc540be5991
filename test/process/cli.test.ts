import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ping } from "@helmr/embedded-redis";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { REPO, spawnHelmr, type HelmrProcess } from "../harness/processes.ts";

const processes: HelmrProcess[] = [];
afterEach(async () => {
  // SIGTERM first: `helmr dev` then stops its embedded Redis (a SIGKILL would orphan it).
  for (const p of processes.splice(0)) {
    if (p.child.exitCode !== null) continue;
    p.child.kill("SIGTERM");
    await eventually(() => p.child.exitCode !== null || p.child.signalCode !== null, { timeoutMs: 5000, what: "helmr to exit on SIGTERM" }).catch(() =>
      p.child.kill("SIGKILL"),
    );
  }
});

describe("the helmr binary", { timeout: 90_000 }, () => {
  it("`helmr dev` starts an embedded Redis, the API and a worker; a triggered example completes; SIGTERM stops it all", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "helmr-dev-"));
    const dev = spawnHelmr(["dev", join(REPO, "apps/examples/src/tasks.ts"), "--port", "0", "--json"], { HELMR_DATA_DIR: dataDir });
    processes.push(dev);
    const facts = await dev.json<{ apiUrl: string; dashboardUrl: string; apiKey: string; redisUrl: string; embeddedRedis: boolean; tasks: string[] }>();
    expect(facts.embeddedRedis).toBe(true);
    // The dashboard URL it prints serves the dashboard's page.
    const dashboard = await fetch(facts.dashboardUrl);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('<script type="module" src="/dashboard/app.js">');
    expect([...facts.tasks].sort()).toEqual(["assistant", "count-words", "hello", "publish-review", "release", "reminder", "support-ticket", "word-counts"]);

    const headers = { authorization: `Bearer ${facts.apiKey}`, "content-type": "application/json" };
    const trigger = await fetch(`${facts.apiUrl}/tasks/hello/trigger`, { method: "POST", headers, body: JSON.stringify({ payload: { name: "Ada" } }) });
    expect(trigger.status).toBe(201);
    const { runId } = await trigger.json();
    const run = await eventually(async () => {
      const r = await (await fetch(`${facts.apiUrl}/runs/${runId}`, { headers })).json();
      return r.status === "completed" && r;
    });
    expect(run.output).toEqual({ greeting: "Hello, Ada!" });

    dev.child.kill("SIGTERM");
    expect(await dev.exited).toBe(0);
    expect(await ping(Number(new URL(facts.redisUrl).port))).toBe(false);
  });

  it("`npm run demo` walks through the spec's flows against `helmr dev` and exits 0", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "helmr-demo-"));
    const dev = spawnHelmr(["dev", join(REPO, "apps/examples/src/tasks.ts"), "--port", "0", "--json"], { HELMR_DATA_DIR: dataDir });
    processes.push(dev);
    const facts = await dev.json<{ apiUrl: string; apiKey: string }>();
    const demo = spawn(process.execPath, ["--conditions=@helmr/source", "--import", "tsx", join(REPO, "scripts/demo/run.ts")], {
      cwd: REPO,
      env: { PATH: process.env.PATH!, HELMR_API_URL: facts.apiUrl.replace("/api/v1", ""), HELMR_API_KEY: facts.apiKey },
    });
    let out = "";
    demo.stdout.on("data", (d) => (out += d));
    demo.stderr.on("data", (d) => (out += d));
    const code = await new Promise((resolve) => demo.once("exit", resolve));
    expect(out).toContain("All steps behaved as the spec says.");
    expect(code).toBe(0);
    dev.child.kill("SIGTERM");
    await dev.exited;
  });

  it("`helmr server` refuses to start without HELMR_API_KEYS and says what to set", async () => {
    const server = spawnHelmr(["server", "--port", "0"], { HELMR_REDIS_URL: "redis://127.0.0.1:1", HELMR_SECRET: "s".repeat(32) });
    processes.push(server);
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain("HELMR_API_KEYS is empty");
  });

  it("names a bad setting and the fix", async () => {
    const server = spawnHelmr(["server"], { HELMR_PORT: "eighty", HELMR_API_KEYS: "sk_test_0000000000000000" });
    processes.push(server);
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain("HELMR_PORT");
  });

  it("`helmr worker` and `helmr server` say so at once when Redis cannot be reached", async () => {
    const env = { HELMR_REDIS_URL: "redis://127.0.0.1:1", HELMR_API_KEYS: "sk_test_0000000000000000", HELMR_SECRET: "s".repeat(32) };
    const worker = spawnHelmr(["worker", join(REPO, "apps/examples/src/tasks.ts")], env);
    const server = spawnHelmr(["server", "--port", "0"], env);
    processes.push(worker, server);
    expect(await worker.exited).toBe(1);
    expect(await server.exited).toBe(1);
    expect(worker.stderr()).toContain("reach Redis at redis://127.0.0.1:1");
    expect(server.stderr()).toContain("Cannot reach Redis at redis://127.0.0.1:1");
  });

  it("`helmr worker` explains a module that does not exist", async () => {
    const worker = spawnHelmr(["worker", "./nope/tasks.ts"], { HELMR_REDIS_URL: "redis://127.0.0.1:1" });
    processes.push(worker);
    expect(await worker.exited).toBe(1);
    expect(worker.stderr()).toContain("does not exist");
  });
});
