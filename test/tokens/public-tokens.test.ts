import { auth, streams, task, timers } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { runReaches } from "../harness/runs.ts";
import { REPLAY_ONLY, startStack, type TestStack } from "../harness/stack.ts";
import { allKeys } from "../harness/redis-state.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const approval = streams.input("pat-approval", { schema: z.object({ decision: z.enum(["approve", "reject"]) }) });
const review = task({ id: "pat-review", run: async (p: { corr: string }) => approval.wait({ correlationId: p.corr }).unwrap() });

const send = (sessionId: string, stream: string, bearer: string, body: unknown) =>
  stack.http("POST", `/api/v1/sessions/${sessionId}/input/${stream}`, { key: bearer, body });

describe("public access tokens for session input", () => {
  it("lets a browser send one input with a maxUses: 1 token, which resumes the run; a second send is refused", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [review] });
    const { runId, sessionId } = await stack.client.tasks.trigger("pat-review", { corr: "github:acme/site#7" });
    await runReaches(stack.client, runId, "waiting");
    const { publicAccessToken, maxUses, scope } = await auth.createPublicToken(
      { scope: { type: "session.input.send", session: sessionId, stream: approval, correlationId: "github:acme/site#7" }, maxUses: 1 },
      { client: stack.client },
    );
    expect(publicAccessToken).toMatch(/^pat_in_/);
    expect({ maxUses, scope }).toEqual({
      maxUses: 1,
      scope: { type: "session.input.send", session: sessionId, stream: "pat-approval", correlationId: "github:acme/site#7" },
    });

    const browser = stack.client.sessions.open(sessionId).input(approval.id);
    const first = await browser.send({ decision: "approve" }, { publicAccessToken, correlationId: "github:acme/site#7" });
    expect(first).toMatchObject({ status: "resumed", runId });
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ decision: "approve" });
    const second = await send(sessionId, approval.id, publicAccessToken, { data: { decision: "approve" }, correlationId: "github:acme/site#7" });
    expect(second.status).toBe(403);
    expect(second.body.error.code).toBe("token_exhausted");
  });

  it("sends only to its session, stream and correlationId, and grants nothing else", async () => {
    stack = await startStack();
    const session = await stack.client.sessions.create();
    const other = await stack.client.sessions.create();
    const { publicAccessToken } = await stack.client.auth.createPublicToken({
      scope: { type: "session.input.send", session: session.id, stream: "s", correlationId: "c" },
    });
    const refusals: [string, string, unknown][] = [
      [other.id, "s", { data: 1, correlationId: "c" }],
      [session.id, "t", { data: 1, correlationId: "c" }],
      [session.id, "s", { data: 1, correlationId: "d" }],
      [session.id, "s", { data: 1 }],
    ];
    for (const [sessionId, stream, body] of refusals) {
      const response = await send(sessionId, stream, publicAccessToken, body);
      expect(response.status, `${sessionId} ${stream} ${JSON.stringify(body)}`).toBe(403);
      expect(response.body.error.code).toBe("forbidden");
    }
    for (const [method, path] of [
      ["GET", `/api/v1/sessions/${session.id}/input/s`],
      ["GET", `/api/v1/sessions/${session.id}`],
      ["GET", `/api/v1/sessions/${session.id}/output/s`],
      ["POST", "/api/v1/auth/public-tokens"],
    ]) {
      const response = await stack.http(method, path, { key: publicAccessToken, body: method === "POST" ? {} : undefined });
      expect(response.status, path).toBe(403);
    }
    expect((await stack.client.sessions.open(session.id).input("s").list()).data).toEqual([]);
    expect((await send(session.id, "s", publicAccessToken, { data: 1, correlationId: "c" })).status).toBe(202);
  });

  it("is 401 when expired, tampered, truncated, unknown, or a token-completion token", async () => {
    stack = await startStack();
    const session = await stack.client.sessions.create();
    const scope = { type: "session.input.send" as const, session: session.id, stream: "s" };
    const expired = await stack.client.auth.createPublicToken({ scope, expiresIn: 1, unbounded: true });
    const valid = await stack.client.auth.createPublicToken({ scope, unbounded: true });
    const completion = await stack.client.tokens.create({ timeout: "1h" });
    const [id, signature] = valid.publicAccessToken.split(".");
    const forged = await stack.client.auth.createPublicToken({ scope, unbounded: true });
    const candidates = [
      expired.publicAccessToken,
      `${id}.${signature.slice(0, -1)}${signature.endsWith("A") ? "B" : "A"}`,
      `${id}.${signature.slice(0, 10)}`,
      id,
      `${forged.publicAccessToken.split(".")[0]}.${signature}`,
      `pat_in_pin_0000000000000000_${session.id.slice(4)}.${signature}`,
      completion.publicAccessToken,
    ];
    for (const bearer of candidates) {
      const response = await send(session.id, "s", bearer, { data: 1 });
      expect(response.status, bearer).toBe(401);
    }
    // ...and an input token does not complete a token.
    const reverse = await stack.http("POST", `/api/v1/tokens/${completion.id}/complete`, { key: valid.publicAccessToken, body: { data: 1 } });
    expect(reverse.status).toBe(401);
    expect((await stack.client.sessions.open(session.id).input("s").list()).data).toEqual([]);
  });

  it("counts uses atomically: 20 concurrent sends with maxUses 1 and 3 are accepted exactly 1 and 3 times", async () => {
    stack = await startStack();
    const session = await stack.client.sessions.create();
    for (const maxUses of [1, 3]) {
      const { publicAccessToken } = await stack.client.auth.createPublicToken({
        scope: { type: "session.input.send", session: session.id, stream: `s${maxUses}` },
        maxUses,
      });
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => send(session.id, `s${maxUses}`, publicAccessToken, { data: i })));
      expect(responses.filter((r) => r.status === 202)).toHaveLength(maxUses);
      expect(responses.filter((r) => r.status === 403 && r.body.error.code === "token_exhausted")).toHaveLength(20 - maxUses);
      expect((await stack.client.sessions.open(session.id).input(`s${maxUses}`).list()).data).toHaveLength(maxUses);
    }
  });

  it("does not spend a use on input that is refused for its content", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [review] });
    const session = await stack.client.sessions.create();
    const { publicAccessToken } = await stack.client.auth.createPublicToken({
      scope: { type: "session.input.send", session: session.id, stream: approval.id },
      maxUses: 1,
    });
    expect((await send(session.id, approval.id, publicAccessToken, { data: { decision: "maybe" } })).status).toBe(422);
    expect((await send(session.id, approval.id, publicAccessToken, { data: { decision: "reject" } })).status).toBe(202);
  });

  it("gives a replayed run the same public token instead of a second one", async () => {
    stack = await startStack();
    const seen: string[] = [];
    await stack.startWorker({
      ...REPLAY_ONLY,
      tasks: [
        task({
          id: "hands-out",
          run: async (_p, ctx) => {
            const { publicAccessToken } = await auth.createPublicToken({
              scope: { type: "session.input.send", session: ctx.session.id, stream: "s" },
              maxUses: 1,
            });
            seen.push(publicAccessToken);
            await timers.waitFor("30ms");
            return "ok";
          },
        }),
      ],
    });
    const { runId, sessionId } = await stack.client.tasks.trigger("hands-out");
    await runReaches(stack.client, runId, "completed");
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(seen[0]);
    expect((await send(sessionId, "s", seen[0], { data: 1 })).status).toBe(202);
    const keys = await allKeys(stack.engine.resources.redis, `${stack.prefix}:*pat:*`);
    expect(keys).toHaveLength(1);
    expect(JSON.stringify(await stack.engine.resources.redis.hgetall(keys[0]))).not.toContain(seen[0].split(".")[1]);
  });
});
