import { TokenFailedError, task, tokens } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { runReaches } from "../harness/runs.ts";
import { REPLAY_ONLY, startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

/** Waits on the token its payload names and reports how the wait ended, and what the error said. */
const waiter = task({
  id: "fail-waiter",
  run: async (p: { tokenId: string }) => {
    const outcome = await tokens.wait(p.tokenId);
    if (outcome.ok) return { ok: true, output: outcome.output };
    const error = outcome.error;
    return {
      ok: false,
      isTokenFailed: error instanceof TokenFailedError,
      name: error.name,
      message: error.message,
      code: (error as TokenFailedError).code ?? null,
    };
  },
});

/** A token can be failed; the run waiting on it resumes with a TokenFailedError. */
describe("failing a token", () => {
  for (const credential of ["secret key", "public access token", "callback URL"] as const) {
    it(`with its ${credential}: the waiting run resumes with a TokenFailedError carrying the message and code`, async () => {
      stack = await startStack();
      await stack.startWorker({ tasks: [waiter] });
      const token = await stack.client.tokens.create({ timeout: "1h" });
      const { runId } = await stack.client.tasks.trigger("fail-waiter", { tokenId: token.id });
      await runReaches(stack.client, runId, "waiting");
      const failure = { message: "card declined", code: "card_declined" };
      const answered =
        credential === "secret key"
          ? await stack.http("POST", `/api/v1/tokens/${token.id}/fail`, { body: { error: failure } })
          : credential === "public access token"
            ? await stack.http("POST", `/api/v1/tokens/${token.id}/fail`, { key: token.publicAccessToken, body: { error: failure } })
            : await stack.http("POST", `${new URL(token.callbackUrl).pathname}?outcome=failed`, { key: null, body: { error: failure } });
      expect(answered.status, JSON.stringify(answered.body)).toBe(200);
      // A completion secret gets the outcome alone; the failure itself is for secret keys to read.
      if (credential === "secret key")
        expect(answered.body).toMatchObject({ firstCompletion: true, token: { id: token.id, status: "failed", error: failure, data: null } });
      else expect(answered.body).toEqual({ firstCompletion: true, token: { id: token.id, status: "failed", completedAt: expect.any(String) } });
      expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ ok: false, isTokenFailed: true, name: "TokenFailedError", ...failure });
    });
  }

  it("is final: the same error again returns the first failure, completing it or another error is 409 token_failed; a completed token cannot be failed", async () => {
    stack = await startStack();
    const token = await stack.client.tokens.create({ timeout: "1h" });
    const first = await stack.client.tokens.fail(token.id, { error: { message: "no" } });
    expect(first).toMatchObject({ firstCompletion: true, token: { status: "failed", error: { message: "no" } } });
    const again = await stack.client.tokens.fail(token.id, { error: { message: "no" } });
    expect(again).toMatchObject({ firstCompletion: false, token: { status: "failed", error: { message: "no" }, completedAt: first.token.completedAt } });
    for (const [path, body] of [
      ["complete", { data: { approved: true } }],
      ["fail", { error: { message: "something else" } }],
    ] as const) {
      const refused = await stack.http("POST", `/api/v1/tokens/${token.id}/${path}`, { body });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe("token_failed");
    }
    expect((await stack.client.tokens.retrieve(token.id)).error).toEqual({ message: "no" });

    const completed = await stack.client.tokens.create({ timeout: "1h" });
    await stack.client.tokens.complete(completed.id, 1);
    const refused = await stack.http("POST", `/api/v1/tokens/${completed.id}/fail`, { body: { error: { message: "too late" } } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("token_already_completed");
    // A failure needs a message; another token's public access token fails nothing.
    expect((await stack.http("POST", `/api/v1/tokens/${token.id}/fail`, { body: { error: { code: "x" } } })).status).toBe(422);
    expect((await stack.http("POST", `/api/v1/tokens/${token.id}/fail`, { key: completed.publicAccessToken, body: { error: { message: "x" } } })).status).toBe(
      401,
    );
  });

  it("a token failed before the run waits on it ends the wait at once, without parking", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [waiter], ...REPLAY_ONLY });
    const token = await stack.client.tokens.create({ timeout: "1h" });
    await stack.client.tokens.fail(token.id, { error: { message: "declined early", code: "early" } });
    const { runId } = await stack.client.tasks.trigger("fail-waiter", { tokenId: token.id });
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({
      ok: false,
      isTokenFailed: true,
      name: "TokenFailedError",
      message: "declined early",
      code: "early",
    });
    const events = (await stack.client.runs.events(runId)).data.map((event) => event.type);
    expect(events).not.toContain("parked");
  });
});
