import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  path: "/runs/:id",
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.runs.retrieve(ctx.params.id);
  },
});
