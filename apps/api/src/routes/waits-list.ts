import { WaitListQuery } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** Pending waits, oldest first: kind, stream, correlationId, run, since when, deadline. */
export default defineRoute({
  method: "get",
  path: "/waits",
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.waits.list(parseQuery(ctx, WaitListQuery));
  },
});
