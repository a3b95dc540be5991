import { randomBytes } from "node:crypto";
import { HelmrClient } from "@helmr/sdk";
import { describe, expect, it, inject } from "vitest";
import { helmr } from "../harness/cli.ts";
import { eventually } from "../harness/poll.ts";
import { startedPerTest } from "../harness/processes.ts";
import { runReachesWithin } from "../harness/runs.ts";

/**
 * `helmr server` and `helmr worker` as a user starts them, on whatever HELMR_REDIS_URL the
 * project gives: one Redis, or (project `cluster`) the `redis+cluster://` URL the README
 * documents, which both processes once refused while the in-process tests passed.
 */
const start = startedPerTest();

function settings() {
  return {
    HELMR_REDIS_URL: inject("redisUrl"),
    HELMR_PREFIX: `t-${randomBytes(5).toString("hex")}`,
    HELMR_API_KEYS: `sk_test_${randomBytes(16).toString("hex")}`,
    HELMR_SECRET: randomBytes(32).toString("base64url"),
  };
}

/** Walks what a user does: a run parks on input and resumes, a token, a timer. */
async function walk(client: HelmrClient) {
  const decided = await client.tasks.trigger("await-decision", { corr: "pr-1" });
  await runReachesWithin(20_000, client, decided.runId, "waiting");
  await client.sessions.open(decided.sessionId).input("decision").send("approved", { correlationId: "pr-1" });
  expect((await runReachesWithin(20_000, client, decided.runId, "completed")).output).toBe("approved");

  const approval = await client.tasks.trigger("await-token");
  const parked = await runReachesWithin(20_000, client, approval.runId, "waiting");
  if (parked.waitingOn?.kind !== "token") throw new Error(`expected a token wait, got ${JSON.stringify(parked.waitingOn)}`);
  await client.tokens.complete(parked.waitingOn.tokenId, { yes: true });
  expect((await runReachesWithin(20_000, client, approval.runId, "completed")).output).toEqual({ yes: true });

  const nap = await client.tasks.trigger("nap", { ms: 300 });
  expect((await runReachesWithin(20_000, client, nap.runId, "completed")).output).toMatchObject({ resumedBy: expect.any(Number) });
  return { decided, approval, nap };
}

describe("helmr server and helmr worker processes on HELMR_REDIS_URL", { timeout: 120_000 }, () => {
  it("serve a parked run's input, a token and a timer, and the CLI reads them back", async () => {
    const env = settings();
    const server = start(["server", "--port", "0", "--json"], env);
    const { apiUrl } = await server.json<{ apiUrl: string }>(30_000);
    const baseUrl = apiUrl.replace(/\/api\/v1$/, "");
    // Tokens a run creates hand out callback URLs of the API: the worker is told where it is.
    const worker = start(["worker", "test/fixtures/tasks.ts", "--json"], { ...env, HELMR_PUBLIC_URL: baseUrl });
    await worker.json(30_000);
    const client = new HelmrClient({ baseUrl, apiKey: env.HELMR_API_KEYS });
    await eventually(async () => (await fetch(`${baseUrl}/healthz`)).ok, { timeoutMs: 20_000, what: "the server to be healthy" });
    const { decided } = await walk(client);

    const cli = { HELMR_API_URL: baseUrl, HELMR_API_KEY: env.HELMR_API_KEYS };
    const run = await helmr(["run", "get", decided.runId, "--json"], cli);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ id: decided.runId, status: "completed", output: "approved" });
    const session = await helmr(["session", "get", decided.sessionId, "--json"], cli);
    expect(session.json()).toMatchObject({ id: decided.sessionId, runs: [expect.objectContaining({ id: decided.runId })] });
  });

  it("`helmr dev` runs the API and a worker on it", async () => {
    const { HELMR_REDIS_URL, HELMR_PREFIX } = settings();
    const dev = start(["dev", "test/fixtures/tasks.ts", "--port", "0", "--json"], { HELMR_REDIS_URL, HELMR_PREFIX });
    const facts = await dev.json<{ apiUrl: string; apiKey: string; embeddedRedis: boolean }>(30_000);
    expect(facts.embeddedRedis).toBe(false);
    await walk(new HelmrClient({ baseUrl: facts.apiUrl.replace(/\/api\/v1$/, ""), apiKey: facts.apiKey }));
  });
});
