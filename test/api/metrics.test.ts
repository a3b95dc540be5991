import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSnapshotStore, SnapshotService } from "@helmr/broker/snapshots";
import { step, streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const reply = streams.input<string>("metrics-reply");
const waiter = task({ id: "metrics-waiter", run: async () => reply.wait().unwrap() });
const flaky = task({ id: "metrics-flaky", retry: { maxAttempts: 2, minDelay: 10 }, run: async () => Promise.reject(new Error("always")) });

/** Prometheus text format: each sample `name{labels} value`, as a map. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    found.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return found;
}

async function scrape(url: string, bearer: string | null): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(`${url}/metrics`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  return { status: response.status, text: await response.text(), type: response.headers.get("content-type") };
}

/** GET /metrics on the API and on a worker's HELMR_METRICS_PORT, after a known workload. */
describe("Prometheus metrics", () => {
  it("count a known workload on the API and on the worker, with help text, to a secret key or the metrics token", async () => {
    const metricsToken = `mt_${randomBytes(12).toString("hex")}`;
    stack = await startStack({ metricsToken });
    const worker = await stack.startWorker({ tasks: [waiter, flaky], metricsPort: 0, metricsKeys: [metricsToken] });
    // Three runs parked on input, one that fails twice (a retry, then failed).
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await stack.client.tasks.trigger("metrics-waiter"));
    const failing = await stack.client.tasks.trigger("metrics-flaky");
    for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");
    await runReaches(stack.client, failing.runId, "failed");
    // Two inputs resume runs, one is buffered (no wait on that stream), one is refused (no such session).
    for (const { sessionId } of runs.slice(0, 2)) await stack.client.sessions.open(sessionId).input("metrics-reply").send("hi");
    await stack.client.sessions.open(runs[2].sessionId).input("metrics-elsewhere").send("later");
    expect((await stack.http("POST", "/api/v1/sessions/ses_0000000000000000/input/metrics-reply", { body: { data: "x" } })).status).toBe(404);
    for (const { runId } of runs.slice(0, 2)) await runReaches(stack.client, runId, "completed");
    // A token completed, completed again alike, then with other data (409).
    const token = await stack.client.tokens.create({ timeout: "1h" });
    await stack.client.tokens.complete(token.id, { ok: 1 });
    await stack.client.tokens.complete(token.id, { ok: 1 });
    expect((await stack.http("POST", `/api/v1/tokens/${token.id}/complete`, { body: { data: { ok: 2 } } })).status).toBe(409);

    const api = await scrape(stack.server.url, stack.apiKey);
    expect(api.status).toBe(200);
    expect(api.type).toMatch(/^text\/plain/);
    const onApi = samples(api.text);
    expect(onApi.get('helmr_runs_triggered_total{task="metrics-waiter"}')).toBe(3);
    expect(onApi.get('helmr_runs_triggered_total{task="metrics-flaky"}')).toBe(1);
    expect(onApi.get('helmr_input_deliveries_total{outcome="resumed"}')).toBe(2);
    expect(onApi.get('helmr_input_deliveries_total{outcome="buffered"}')).toBe(1);
    expect(onApi.get('helmr_input_deliveries_total{outcome="rejected"}')).toBe(1);
    expect(onApi.get('helmr_token_completions_total{outcome="completed"}')).toBe(1);
    expect(onApi.get('helmr_token_completions_total{outcome="repeated"}')).toBe(1);
    expect(onApi.get('helmr_token_completions_total{outcome="rejected"}')).toBe(1);
    expect(onApi.get("helmr_outbox_pending")).toBe(0);
    expect(onApi.get("helmr_outbox_oldest_age_seconds")).toBe(0);
    expect([...onApi.keys()].some((name) => name.startsWith("helmr_redis_round_trip_seconds{master="))).toBe(true);
    // One run still waits; the resumed runs' entries leave the waiting index moments after.
    await eventually(async () => samples((await scrape(stack.server.url, metricsToken)).text).get('helmr_runs{state="parked"}') === 1, {
      what: "one parked run in the gauge",
    });
    expect(samples((await scrape(stack.server.url, stack.apiKey)).text).get('helmr_waits{kind="input"}')).toBe(1);
    expect(onApi.get('helmr_waits{kind="token"}')).toBe(0);
    expect(onApi.get('helmr_runs{state="queued"}')).toBe(0);
    expect(onApi.get('helmr_runs{state="running"}')).toBe(0);
    // Every metric says what it is.
    const names = new Set(
      api.text
        .split("\n")
        .filter((line) => line.startsWith("# TYPE "))
        .map((line) => line.split(" ")[2]),
    );
    for (const name of names) expect(api.text, name).toMatch(new RegExp(`^# HELP ${name} \\S`, "m"));

    const onWorker = samples((await scrape(`http://127.0.0.1:${worker.metricsPort}`, metricsToken)).text);
    expect(onWorker.get('helmr_runs_finished_total{task="metrics-waiter",status="completed"}')).toBe(2);
    expect(onWorker.get('helmr_runs_finished_total{task="metrics-flaky",status="failed"}')).toBe(1);
    expect(onWorker.get('helmr_run_retries_total{task="metrics-flaky"}')).toBe(1);
    // Four runs started from their trigger (the flaky one's retry is a resume), and three resumes.
    expect(onWorker.get("helmr_trigger_to_start_seconds_count")).toBe(4);
    const resumes = [...onWorker].filter(([name]) => name.startsWith("helmr_resume_seconds_count")).reduce((sum, [, count]) => sum + count, 0);
    expect(resumes).toBe(3);
    expect(onWorker.get("helmr_worker_executions_running")).toBe(0);
    expect(onWorker.get("helmr_worker_warm_runs")).toBe(1);
  });

  it("show runs queued and running, and the last snapshot's size, age and duration", async () => {
    stack = await startStack();
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const blocked = task({ id: "metrics-blocked", run: async () => step.run("hold", () => released.then(() => "done")) });
    await stack.startWorker({ tasks: [blocked], concurrency: 1 });
    const first = await stack.client.tasks.trigger("metrics-blocked");
    const second = await stack.client.tasks.trigger("metrics-blocked");
    await runReaches(stack.client, first.runId, "running");
    // One slot: the first runs, the second waits for it.
    const busy = samples((await scrape(stack.server.url, stack.apiKey)).text);
    expect(busy.get('helmr_runs{state="running"}')).toBe(1);
    expect(busy.get('helmr_runs{state="queued"}')).toBe(1);
    release();
    for (const { runId } of [first, second]) await runReaches(stack.client, runId, "completed");

    const dir = mkdtempSync(join(tmpdir(), "helmr-metrics-snapshots-"));
    const snapshots = new SnapshotService(stack.engine, new FileSnapshotStore(dir), { fullEvery: 12, retain: 3, intervalMs: 0 });
    try {
      expect(samples((await scrape(stack.server.url, stack.apiKey)).text).get("helmr_snapshot_last_age_seconds")).toBeNaN();
      const written = await snapshots.create();
      const after = samples((await scrape(stack.server.url, stack.apiKey)).text);
      expect(after.get("helmr_snapshot_last_bytes")).toBe(written.manifest.bytes);
      expect(after.get("helmr_snapshot_last_duration_seconds")).toBe(written.durationMs / 1000);
      expect(after.get("helmr_snapshot_last_age_seconds")).toBeGreaterThanOrEqual(0);
      expect(after.get("helmr_snapshot_failures_total")).toBe(0);
    } finally {
      await snapshots.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a scrape without a key or with a wrong one, on the API and on a worker", async () => {
    stack = await startStack();
    const worker = await stack.startWorker({ tasks: [waiter], metricsPort: 0, metricsKeys: ["mt_the-right-token-000"] });
    for (const url of [stack.server.url, `http://127.0.0.1:${worker.metricsPort}`]) {
      for (const bearer of [null, "sk_wrong_0000000000000000"]) {
        const refused = await scrape(url, bearer);
        expect(refused.status).toBe(401);
        expect(JSON.parse(refused.text).error.code).toBe("unauthorized");
      }
    }
  });
});
