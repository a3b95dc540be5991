import { CallbackQuery, FailTokenBody, notFound, TokenOutcome, tokenOutcome } from "@helmr/core";
import { z } from "zod";
import { parseBody, parseQuery, requiredJsonBody } from "../framework/input.ts";
import { checkPayloadSize } from "../framework/payload.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * A token's pre-signed callback URL, for webhook providers: the secret in the path is the
 * credential, and the JSON body is the completion data. The secret is checked before the
 * body is read; a wrong secret and an unknown token answer the same 404. Only JSON bodies
 * complete a token (415 for form posts and other types, 400 for an empty body), so a
 * provider's data is never replaced by something Helmr could not read. With
 * `?outcome=failed` the body is a failure instead, `{ "error": { "message", "code"? } }`,
 * and fails the token (TokensSystem.fail). The answer is the outcome alone (id, status,
 * completedAt): the provider holds a completion secret, not a key that reads the token.
 */
export default defineRoute({
  method: "post",
  path: "/api/v1/tokens/:id/callback/:secret",
  doc: {
    operationId: "tokenCallback",
    summary: "A token's pre-signed callback URL: the JSON body completes it; with ?outcome=failed, `{ error }` fails it",
    credentials: ["callbackSecret"],
    query: CallbackQuery,
    body: z.unknown().describe("The completion data (any JSON); with ?outcome=failed, `{ error: { message, code? } }`"),
    responses: { 200: TokenOutcome },
    errors: [409],
  },
  handler: async (ctx, { engine, maxPayloadBytes }) => {
    if (!engine.tokens.verifyCallbackSecret(ctx.params.id, ctx.params.secret) || !(await engine.tokens.find(ctx.params.id))) {
      throw notFound("token", ctx.params.id);
    }
    if (parseQuery(ctx, CallbackQuery).outcome === "failed") {
      const body = await parseBody(ctx, FailTokenBody, { required: true });
      ctx.body = tokenOutcome(await engine.tokens.fail(ctx.params.id, body.error));
      return;
    }
    const data = await requiredJsonBody(ctx);
    checkPayloadSize(data, maxPayloadBytes, "The callback body");
    ctx.body = tokenOutcome(await engine.tokens.complete(ctx.params.id, data));
  },
});
