import { OUTBOX_GRACE_MS } from "@helmr/broker";
import { HelmrApiError, WaitTimeoutError, step, task, timers, tokens, type TokenHandle } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { runReaches } from "../harness/runs.ts";
import { eventually } from "../harness/poll.ts";
import { dispatchFault } from "../harness/faults.ts";
import { REPLAY_ONLY, startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const approvalDecision = z.object({ approved: z.boolean(), reviewer: z.string().optional() });
/** Tokens the release task created, as its Slack message would carry them. */
const sent: TokenHandle[] = [];

const release = task({
  id: "release",
  run: async () => {
    const token = await tokens.create({ timeout: "1h", tags: ["approval", "production"], metadata: { release: "2026.06.15" } });
    await step.run("send-slack-approval", () => void sent.push(token));
    const decision = await token.wait({ schema: approvalDecision }).unwrap();
    if (!decision.approved) return { deployed: false };
    return { deployed: true, reviewer: decision.reviewer ?? null };
  },
});

const waitsOn = task({
  id: "waits-on",
  run: async ({ tokenId }: { tokenId: string }) => {
    const result = await tokens.wait(tokenId, { schema: approvalDecision });
    return result.ok ? { ok: true, output: result.output } : { ok: false, error: result.error.name, message: result.error.message };
  },
});

describe("tokens", () => {
  it("runs the spec's release flow: the browser completes with the public access token and the run resumes", async () => {
    stack = await startStack();
    sent.length = 0;
    await stack.startWorker({ tasks: [release] });
    const { runId } = await stack.client.tasks.trigger("release");
    const parked = await runReaches(stack.client, runId, "waiting");
    const token = sent[0];
    expect(parked.waitingOn).toMatchObject({ kind: "token", tokenId: token.id });
    expect(token).toMatchObject({
      id: expect.stringMatching(/^tok_/),
      status: "waiting",
      tags: ["approval", "production"],
      metadata: { release: "2026.06.15" },
      runId,
    });
    expect(token.publicAccessToken).toMatch(/^pat_tok_/);
    expect(token.callbackUrl).toBe(`${stack.server.url}/api/v1/tokens/${token.id}/callback/${token.callbackUrl.split("/").pop()}`);

    const response = await fetch(`${stack.server.url}/api/v1/tokens/${token.id}/complete`, {
      method: "POST",
      headers: { authorization: `Bearer ${token.publicAccessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ data: { approved: true, reviewer: "slack:U123" } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const run = await runReaches(stack.client, runId, "completed");
    expect(run.output).toEqual({ deployed: true, reviewer: "slack:U123" });
  });

  it("returns at once from a wait on a token completed before anything waited", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [waitsOn] });
    const token = await stack.client.tokens.create({ timeout: "1h" });
    await stack.client.tokens.complete(token.id, { approved: false });
    const { runId } = await stack.client.tasks.trigger("waits-on", { tokenId: token.id });
    const run = await runReaches(stack.client, runId, "completed");
    expect(run.output).toEqual({ ok: true, output: { approved: false } });
    expect((await stack.client.runs.events(runId)).data.map((e) => e.type)).not.toContain("parked");
  });

  it("resumes a run waiting on a token created outside any run (another hash tag)", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [waitsOn] });
    const token = await stack.client.tokens.create({ timeout: "1h" });
    const { runId } = await stack.client.tasks.trigger("waits-on", { tokenId: token.id });
    await runReaches(stack.client, runId, "waiting");
    await stack.client.tokens.complete(token.id, { approved: true });
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ ok: true, output: { approved: true } });
  });

  it("completes idempotently: same canonical data returns the first completion, other data is 409, after the timeout 409", async () => {
    stack = await startStack();
    const token = await stack.client.tokens.create({ timeout: "1h" });
    const first = await stack.http("POST", `/api/v1/tokens/${token.id}/complete`, {
      body: { data: { approved: true, reviewer: "a", extra: [1, { y: 2, x: 1 }] } },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ firstCompletion: true, token: { status: "completed" } });
    const same = await stack.http("POST", `/api/v1/tokens/${token.id}/complete`, {
      rawBody: '{ "data": { "extra": [1, {"x":1,"y":2}], "reviewer": "a", "approved": true } }',
    });
    expect(same.status).toBe(200);
    expect(same.body).toEqual({ ...first.body, firstCompletion: false });
    const other = await stack.http("POST", `/api/v1/tokens/${token.id}/complete`, { body: { data: { approved: false } } });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("token_already_completed");
    expect((await stack.client.tokens.retrieve(token.id)).data).toEqual({ approved: true, reviewer: "a", extra: [1, { y: 2, x: 1 }] });

    const short = await stack.client.tokens.create({ timeout: 1 });
    await eventually(async () => (await stack.client.tokens.retrieve(short.id)).status === "timed_out");
    const late = await stack.http("POST", `/api/v1/tokens/${short.id}/complete`, { body: { data: 1 } });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("token_timed_out");
  });

  it("resumes the waiting run with { ok: false } when the timeout fires first, and unwrap throws WaitTimeoutError", async () => {
    stack = await startStack();
    await stack.startWorker({
      tasks: [
        waitsOn,
        task({
          id: "unwraps",
          run: async () =>
            await tokens
              .create({ timeout: "200ms" })
              .then((t) => t.wait().unwrap())
              .catch((e: unknown) => e instanceof WaitTimeoutError && "timed out"),
        }),
      ],
    });
    const token = await stack.client.tokens.create({ timeout: "300ms" });
    const { runId } = await stack.client.tasks.trigger("waits-on", { tokenId: token.id });
    expect((await runReaches(stack.client, runId, "completed")).output).toMatchObject({ ok: false, error: "WaitTimeoutError" });
    const unwrapped = await stack.client.tasks.trigger("unwraps");
    expect((await runReaches(stack.client, unwrapped.runId, "completed")).output).toBe("timed out");
  });

  it("a completion that lands before the timeout wins, even when its completer never reached the run and the run's timeout fires first", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [waitsOn] });
    const token = await stack.client.tokens.create({ timeout: "1s" });
    const { runId } = await stack.client.tasks.trigger("waits-on", { tokenId: token.id });
    await runReaches(stack.client, runId, "waiting");
    // What completeToken writes, by a completer that died before resuming the run (and
    // before its outbox entry could matter: the run's timeout comes first).
    const { redis, keys } = stack.engine.resources;
    const data = JSON.stringify({ approved: true });
    await redis.hset(keys.token(token.id), { status: "completed", data, canon: data, completedAt: Date.now(), updatedAt: Date.now() });
    const run = await runReaches(stack.client, runId, "completed");
    expect(run.output).toEqual({ ok: true, output: { approved: true } });
    expect((await stack.client.tokens.retrieve(token.id)).status).toBe("completed");
  });

  it("a run's due timeout times its token out, so a completion after it is refused", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [waitsOn] });
    const token = await stack.client.tokens.create({ timeout: "300ms" });
    const { runId } = await stack.client.tasks.trigger("waits-on", { tokenId: token.id });
    expect((await runReaches(stack.client, runId, "completed")).output).toMatchObject({ ok: false, error: "WaitTimeoutError" });
    // The token recorded the timeout itself (not only by its clock): the run and the token agree.
    expect(await stack.engine.resources.redis.hget(stack.engine.resources.keys.token(token.id), "status")).toBe("timed_out");
    await expect(stack.client.tokens.complete(token.id, { approved: true })).rejects.toMatchObject({ status: 409, code: "token_timed_out" });
  });

  it("gives { ok: false } naming the issue when completion data fails the wait's schema; the token stays completed", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [waitsOn] });
    const token = await stack.client.tokens.create({ timeout: "1h" });
    const { runId } = await stack.client.tasks.trigger("waits-on", { tokenId: token.id });
    await runReaches(stack.client, runId, "waiting");
    await stack.client.tokens.complete(token.id, { approved: "yes" });
    const run = await runReaches(stack.client, runId, "completed");
    expect(run.output).toMatchObject({ ok: false, error: "InputValidationError", message: expect.stringContaining("/approved") });
    expect((await stack.client.tokens.retrieve(token.id)).status).toBe("completed");
  });

  it("gives a replayed run the same token and secrets, without a second token", async () => {
    stack = await startStack();
    const seen: { id: string; pat: string; url: string }[] = [];
    await stack.startWorker({
      ...REPLAY_ONLY,
      tasks: [
        task({
          id: "keeps-token",
          run: async () => {
            const token = await tokens.create({ timeout: "1h", idempotencyKey: undefined });
            seen.push({ id: token.id, pat: token.publicAccessToken, url: token.callbackUrl });
            await timers.waitFor("50ms");
            return token.id;
          },
        }),
      ],
    });
    const { runId } = await stack.client.tasks.trigger("keeps-token");
    await runReaches(stack.client, runId, "completed");
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual(seen[0]);
    expect((await stack.client.tokens.list()).data.map((t) => t.id)).toEqual([seen[0].id]);
  });

  it("lists and filters tokens by status and tag, newest first", async () => {
    stack = await startStack();
    const a = await stack.client.tokens.create({ timeout: "1h", tags: ["email"] });
    const b = await stack.client.tokens.create({ timeout: "1h", tags: ["slack"] });
    await stack.client.tokens.complete(b.id, 1);
    expect((await stack.client.tokens.list()).data.map((t) => t.id)).toEqual([b.id, a.id]);
    expect((await stack.client.tokens.list({ status: "completed" })).data.map((t) => t.id)).toEqual([b.id]);
    expect((await stack.client.tokens.list({ tag: "email" })).data.map((t) => t.id)).toEqual([a.id]);
    const again = await stack.client.tokens.create({ timeout: "1h", idempotencyKey: "k-1" });
    expect((await stack.client.tokens.create({ timeout: "1h", idempotencyKey: "k-1" })).id).toBe(again.id);
    const racing = await Promise.all(Array.from({ length: 10 }, () => stack.client.tokens.create({ timeout: "1h", idempotencyKey: "k-2" })));
    expect(new Set(racing.map((t) => t.id)).size).toBe(1);
    // Listed once each, however many creates raced.
    expect((await stack.client.tokens.list()).data.map((t) => t.id)).toEqual([racing[0].id, again.id, b.id, a.id]);
  });

  it("completes concurrently: same data all succeed with the first result; different data, exactly one wins", async () => {
    stack = await startStack();
    const same = await stack.client.tokens.create({ timeout: "1h" });
    const sameResults = await Promise.all(Array.from({ length: 10 }, () => stack.client.tokens.complete(same.id, { ok: 1 })));
    expect(sameResults.filter((r) => r.firstCompletion)).toHaveLength(1);
    expect(new Set(sameResults.map((r) => r.token.completedAt)).size).toBe(1);

    const different = await stack.client.tokens.create({ timeout: "1h" });
    const settled = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => stack.client.tokens.complete(different.id, { i })));
    const won = settled.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const lost of settled.filter((r) => r.status === "rejected")) {
      expect((lost as PromiseRejectedResult).reason).toMatchObject({ status: 409, code: "token_already_completed" });
    }
    const winner = (won[0] as PromiseFulfilledResult<{ token: { data: unknown } }>).value.token.data;
    expect((await stack.client.tokens.retrieve(different.id)).data).toEqual(winner);
    expect(HelmrApiError.is((settled.find((r) => r.status === "rejected") as PromiseRejectedResult).reason)).toBe(true);
  });
});

describe("token completion outbox (ARCHITECTURE.md invariant 3)", () => {
  it("resumes the waiting run when the completing process died after resolving it but before adding its job", async () => {
    const fault = dispatchFault();
    stack = await startStack({ hooks: fault.hooks });
    await stack.startWorker({ tasks: [waitsOn], sweepIntervalMs: 60_000 });
    const token = await stack.client.tokens.create({ timeout: "1h" });
    const { runId } = await stack.client.tasks.trigger("waits-on", { tokenId: token.id });
    await runReaches(stack.client, runId, "waiting");

    fault.arm();
    const response = await stack.http("POST", `/api/v1/tokens/${token.id}/complete`, { body: { data: { approved: true } } });
    expect(response.status).toBe(500);
    expect((await stack.client.runs.retrieve(runId)).status).toBe("queued");
    expect((await stack.client.tokens.retrieve(token.id)).status).toBe("completed");

    await stack.engine.resources.redis.del(stack.engine.resources.keys.sweeperLock());
    expect(await stack.engine.outbox.sweep(Date.now() + OUTBOX_GRACE_MS + 1)).toBe(1);
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ ok: true, output: { approved: true } });
  });
});
