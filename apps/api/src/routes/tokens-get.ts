import { defineRoute } from "../framework/types.ts";

/** The token without its completion secrets (they exist only in the create response). */
export default defineRoute({
  method: "get",
  path: "/tokens/:id",
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.tokens.retrieve(ctx.params.id);
  },
});
