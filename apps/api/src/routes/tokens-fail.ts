import { FailTokenBody, HelmrError, TokenCompletion, TokenOutcome, tokenOutcome } from "@helmr/core";
import { z } from "zod";
import { publicToken } from "../framework/access.ts";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * `{ error: { message, code? } }` fails the token: with a secret key, or with this token's
 * publicAccessToken (browsers; CORS is on). 200 with the token (with a public access token,
 * its outcome only: id, status, completedAt); the waiting run resumes
 * with a TokenFailedError. The same error again returns the first failure; a completed
 * token is 409 token_already_completed, another error 409 token_failed, after the timeout
 * 409 token_timed_out.
 */
export default defineRoute({
  method: "post",
  path: "/tokens/:id/fail",
  acceptsPublicToken: true,
  doc: {
    operationId: "failToken",
    summary: "Fail a token; the run waiting on it resumes with a TokenFailedError",
    body: FailTokenBody,
    responses: { 200: z.union([TokenCompletion, TokenOutcome]).describe("The token with a secret key; its outcome alone with a public access token") },
    errors: [409],
  },
  handler: async (ctx, { engine }) => {
    const bearer = publicToken(ctx);
    if (bearer !== null && !engine.tokens.verifyPublicAccessToken(ctx.params.id, bearer)) {
      throw new HelmrError("unauthenticated", "unauthorized", "This public access token does not fail this token");
    }
    const body = await parseBody(ctx, FailTokenBody, { required: true });
    const failed = await engine.tokens.fail(ctx.params.id, body.error);
    ctx.body = bearer === null ? failed : tokenOutcome(failed);
  },
});
