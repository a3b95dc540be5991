import { TokenRecord } from "@helmr/core";
import { defineRoute } from "../framework/types.ts";

/** The token without its completion secrets (they exist only in the create response). */
export default defineRoute({
  method: "get",
  path: "/tokens/:id",
  doc: {
    operationId: "getToken",
    summary: "A token, without its completion secrets",
    responses: { 200: TokenRecord },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.tokens.retrieve(ctx.params.id);
  },
});
