import { CompleteTokenBody, HelmrError, TokenCompletion, TokenOutcome, tokenOutcome } from "@helmr/core";
import { z } from "zod";
import { publicToken } from "../framework/access.ts";
import { parseBody } from "../framework/input.ts";
import { checkPayloadSize } from "../framework/payload.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * `{ data }` completes the token: with a secret key, or with this token's publicAccessToken
 * (browsers; CORS is on). 200 with the token (with a public access token, its outcome
 * only: id, status, completedAt); a repeat with the same canonical data returns
 * the first completion, other data is 409 token_already_completed, after the timeout 409
 * token_timed_out. A public token for another token is 401, telling nothing about this id.
 */
export default defineRoute({
  method: "post",
  path: "/tokens/:id/complete",
  acceptsPublicToken: true,
  doc: {
    operationId: "completeToken",
    summary: "Complete a token with data; the run waiting on it resumes",
    body: CompleteTokenBody,
    responses: { 200: z.union([TokenCompletion, TokenOutcome]).describe("The token with a secret key; its outcome alone with a public access token") },
    errors: [409],
  },
  handler: async (ctx, { engine, maxPayloadBytes }) => {
    const bearer = publicToken(ctx);
    if (bearer !== null && !engine.tokens.verifyPublicAccessToken(ctx.params.id, bearer)) {
      throw new HelmrError("unauthenticated", "unauthorized", "This public access token does not complete this token");
    }
    const body = await parseBody(ctx, CompleteTokenBody, { required: true });
    checkPayloadSize(body.data, maxPayloadBytes, "The completion data");
    const completed = await engine.tokens.complete(ctx.params.id, body.data);
    ctx.body = bearer === null ? completed : tokenOutcome(completed);
  },
});
