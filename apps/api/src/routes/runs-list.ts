import { RunListQuery } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  path: "/runs",
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.runs.list(parseQuery(ctx, RunListQuery));
  },
});
