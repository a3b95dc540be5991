import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from "@helmr/embedded-redis";
import { HelmrClient } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { spawnHelmr, type HelmrProcess } from "../harness/processes.ts";

/**
 * The crash test a user runs before trusting Helmr: runs parked on inputs while the inputs
 * arrive, two `helmr worker` processes SIGKILLed in turn and restarted, the API process and
 * Redis (AOF, fsync always) SIGKILLed once each. Every run must end with its own input.
 * CHAOS_RUNS, CHAOS_KILL_MS and CHAOS_FOR_MS make it longer by hand; the suite keeps it short.
 */
const RUNS = Number(process.env.CHAOS_RUNS ?? 80);
const KILL_EVERY_MS = Number(process.env.CHAOS_KILL_MS ?? 2_000);
const KILLING_FOR_MS = Number(process.env.CHAOS_FOR_MS ?? 10_000);
/** A silent worker's jobs are taken over after this. */
const LOCK_MS = 1_000;

const processes: HelmrProcess[] = [];
let redis: EmbeddedRedis | undefined;
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await redis?.stop();
});

describe("worker processes killed in a loop, the API and Redis killed once, while inputs arrive", { timeout: 60_000 + KILLING_FOR_MS * 3 }, () => {
  it("every run resumes with its own input and ends: no resume is lost with the process that held it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "helmr-chaos-"));
    redis = await startEmbeddedRedis({ dir, appendonly: true, appendfsync: "always" });
    const { port } = redis;
    const apiKey = `sk_test_${randomBytes(16).toString("hex")}`;
    const env = {
      HELMR_REDIS_URL: redis.url,
      HELMR_PREFIX: "chaos",
      HELMR_API_KEYS: apiKey,
      HELMR_SECRET: randomBytes(32).toString("base64url"),
      HELMR_LOCK_MS: String(LOCK_MS),
    };
    const spawn = (args: string[]) => {
      const started = spawnHelmr(args, env);
      processes.push(started);
      return started;
    };
    // A fixed port, so the API comes back where the client looks for it.
    const apiPort = await freePort();
    const startApi = () => spawn(["server", "--port", String(apiPort), "--json"]);
    let api = startApi();
    await api.json(30_000);
    const workers = [spawn(["worker", "test/fixtures/tasks.ts", "--json"]), spawn(["worker", "test/fixtures/tasks.ts", "--json"])];
    await Promise.all(workers.map((w) => w.json(30_000)));
    const client = new HelmrClient({ baseUrl: `http://127.0.0.1:${apiPort}`, apiKey });
    /** Retried until acknowledged: the API or Redis may be down at that moment. */
    const untilAcknowledged = <T>(call: () => Promise<T>) => eventually(() => call(), { timeoutMs: 30_000, intervalMs: 100, what: "an acknowledged request" });

    // Half the runs share one session (one hash tag, one stream), the other half have one each.
    const shared = await client.sessions.create();
    const runs: { runId: string; sessionId: string; corr: string }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const corr = `c${i}`;
      const { runId, sessionId } = await client.tasks.trigger("await-decision", { corr }, i % 2 ? { sessionId: shared.id } : {});
      runs.push({ runId, sessionId, corr });
    }
    await eventually(async () => (await Promise.all(runs.map((r) => client.runs.retrieve(r.runId)))).every((r) => r.status === "waiting"), {
      timeoutMs: 30_000,
      what: "every run parked",
    });

    let killing = true;
    const killer = (async () => {
      for (let round = 0; killing; round++) {
        await new Promise((r) => setTimeout(r, KILL_EVERY_MS));
        const at = round % workers.length;
        workers[at].child.kill("SIGKILL");
        await workers[at].exited;
        workers[at] = spawn(["worker", "test/fixtures/tasks.ts", "--json"]);
      }
    })();
    const gap = KILLING_FOR_MS / RUNS;
    for (const [i, run] of runs.entries()) {
      if (i === Math.floor(RUNS / 3)) {
        api.child.kill("SIGKILL");
        await api.exited;
        api = startApi();
      }
      if (i === Math.floor((2 * RUNS) / 3)) {
        process.kill(redis.pid, "SIGKILL");
        await eventually(
          () => {
            try {
              process.kill(redis!.pid, 0);
              return false;
            } catch {
              return true;
            }
          },
          { what: "redis-server to die" },
        );
        redis = await startEmbeddedRedis({ dir, appendonly: true, appendfsync: "always", port });
      }
      await untilAcknowledged(() => client.sessions.open(run.sessionId).input("decision").send(`yes ${run.corr}`, { correlationId: run.corr }));
      await new Promise((r) => setTimeout(r, gap));
    }
    killing = false;
    await killer;

    // Recovery: a dead worker's heartbeat runs out after 10 s, its locks after LOCK_MS, the outbox grace is 5 s.
    const ended = await eventually(
      async () => {
        const records = await Promise.all(runs.map((r) => client.runs.retrieve(r.runId)));
        return records.every((r) => r.status === "completed") && records;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: "every run completed" },
    ).catch(async (error) => {
      const open = (await Promise.all(runs.map((r) => client.runs.retrieve(r.runId)))).filter((r) => r.status !== "completed");
      throw new Error(
        `${open.length} of ${RUNS} runs never ended: ${JSON.stringify(open.slice(0, 3).map((r) => ({ id: r.id, status: r.status, waitingOn: r.waitingOn })))}; ${(error as Error).message}`,
      );
    });
    for (const [i, record] of ended.entries()) expect(record.output).toBe(`yes ${runs[i].corr}`);
  });
});
