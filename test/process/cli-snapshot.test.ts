import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@helmr/embedded-redis";
import { afterEach, describe, expect, it } from "vitest";
import { helmr } from "../harness/cli.ts";
import { eventually } from "../harness/poll.ts";
import { REPO, spawnHelmr, type HelmrProcess } from "../harness/processes.ts";
import { startS3, type TestS3 } from "../harness/s3.ts";

const processes: HelmrProcess[] = [];
let s3: TestS3 | undefined;
afterEach(async () => {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode !== null) continue;
    p.child.kill("SIGTERM");
    await eventually(() => p.child.exitCode !== null || p.child.signalCode !== null, { timeoutMs: 5000, what: "helmr to exit" }).catch(() =>
      p.child.kill("SIGKILL"),
    );
  }
  await s3?.close();
  s3 = undefined;
});

async function startDev(dataDir: string) {
  const dev = spawnHelmr(["dev", join(REPO, "apps/examples/src/tasks.ts"), "--port", "0", "--json"], { HELMR_DATA_DIR: dataDir, HELMR_SNAPSHOT_INTERVAL: "0" });
  processes.push(dev);
  const facts = await dev.json<{ apiUrl: string; apiKey: string }>();
  const headers = { authorization: `Bearer ${facts.apiKey}`, "content-type": "application/json" };
  return { dev, facts, headers };
}

describe("helmr snapshot", { timeout: 120_000 }, () => {
  it("create, list and restore on the embedded default (HELMR_DATA_DIR/snapshots), after the Redis data is lost", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "helmr-snapshot-cli-"));
    const env = { HELMR_DATA_DIR: dataDir };
    const { dev, facts, headers } = await startDev(dataDir);
    const created = await fetch(`${facts.apiUrl}/tokens`, { method: "POST", headers, body: JSON.stringify({ timeout: "1h", tags: ["kept"] }) });
    const token = await created.json();

    const snapshot = await helmr(["snapshot", "create", "--json"], env);
    expect(snapshot.code, snapshot.stderr).toBe(0);
    expect(snapshot.json()).toMatchObject({ kind: "full", sessions: 0, tokens: 1, location: `${join(dataDir, "snapshots", snapshot.json().id)}/` });
    const listed = await helmr(["snapshot", "list"], env);
    expect(listed.stdout).toMatch(new RegExp(`${snapshot.json().id}\\s+\\S+ ago\\s+full\\s+0\\s+1`));

    const refused = await helmr(["snapshot", "restore"], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("already holds Helmr data");
    expect(refused.stderr).toContain("--force");

    // Lose Redis entirely: stop it and delete its AOF.
    dev.child.kill("SIGTERM");
    expect(await dev.exited).toBe(0);
    rmSync(join(dataDir, "redis"), { recursive: true, force: true });

    const restored = await helmr(["snapshot", "restore", "--json"], env);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.json()).toMatchObject({ snapshotId: snapshot.json().id, tokens: 1 });

    const again = await startDev(dataDir);
    const back = await (await fetch(`${again.facts.apiUrl}/tokens/${token.id}`, { headers: again.headers })).json();
    expect(back).toMatchObject({ id: token.id, status: "waiting", tags: ["kept"] });
  });

  it("writes to S3 when HELMR_S3_BUCKET is set, and says what to fix when S3 cannot be reached", async () => {
    s3 = await startS3();
    const dataDir = mkdtempSync(join(tmpdir(), "helmr-snapshot-s3-"));
    const { facts } = await startDev(dataDir);
    const s3Env = {
      HELMR_DATA_DIR: dataDir,
      HELMR_S3_ENDPOINT: s3.endpoint,
      HELMR_S3_BUCKET: s3.bucket,
      HELMR_S3_ACCESS_KEY_ID: "S3RVER",
      HELMR_S3_SECRET_ACCESS_KEY: "S3RVER",
      HELMR_S3_PREFIX: "cli/",
    };
    expect(facts.apiUrl).toMatch(/^http/);

    const snapshot = await helmr(["snapshot", "create"], s3Env);
    expect(snapshot.code, snapshot.stderr).toBe(0);
    expect(snapshot.stdout).toMatch(
      new RegExp(`^Snapshot snp_\\w{16} \\(full, 0 sessions, 0 tokens, [\\d.]+ \\w?B\\) written to s3://${s3.bucket}/cli/snp_\\w{16}/ in \\d+ ms`),
    );
    expect(existsSync(join(dataDir, "snapshots"))).toBe(false);

    const down = await helmr(["snapshot", "list"], { ...s3Env, HELMR_S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    expect(down.code).toBe(1);
    // oclif wraps error lines at the terminal width: join them back.
    expect(down.stderr.replace(/\s*\n ›\s+/g, " ")).toMatch(/cannot reach S3 at http:\/\/127\.0\.0\.1:\d+ .*check HELMR_S3_ENDPOINT/);

    const badId = await helmr(["snapshot", "restore", "latest"], s3Env);
    expect(badId.code).toBe(1);
    expect(badId.stderr).toContain("is not a snapshot id");
  });
});
