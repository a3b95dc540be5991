import { notFound } from "@helmr/core";
import { checkPayloadSize } from "../framework/payload.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * A token's pre-signed callback URL, for webhook providers: the secret in the path is the
 * credential, and the JSON body is the completion data. A wrong secret and an unknown
 * token answer the same 404.
 */
export default defineRoute({
  method: "post",
  path: "/api/v1/tokens/:id/callback/:secret",
  handler: async (ctx, { engine, maxPayloadBytes }) => {
    if (!engine.tokens.verifyCallbackSecret(ctx.params.id, ctx.params.secret) || !(await engine.tokens.find(ctx.params.id))) {
      throw notFound("token", ctx.params.id);
    }
    const data = (ctx.request as { body?: unknown }).body ?? null;
    checkPayloadSize(data, maxPayloadBytes, "The callback body");
    ctx.body = await engine.tokens.complete(ctx.params.id, data);
  },
});
