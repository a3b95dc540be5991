import { TokenListQuery } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  path: "/tokens",
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.tokens.list(parseQuery(ctx, TokenListQuery));
  },
});
