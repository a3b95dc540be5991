import { SessionListQuery } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  path: "/sessions",
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.sessions.list(parseQuery(ctx, SessionListQuery));
  },
});
