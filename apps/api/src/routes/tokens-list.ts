import { pageOf, TokenListQuery, TokenRecord } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  path: "/tokens",
  doc: {
    operationId: "listTokens",
    summary: "List tokens, newest first, by status and tag",
    query: TokenListQuery,
    responses: { 200: pageOf(TokenRecord) },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.tokens.list(parseQuery(ctx, TokenListQuery));
  },
});
