import { BulkActionRecord } from "@helmr/core";
import { defineRoute } from "../framework/types.ts";

/** A bulk action's progress: how many runs it selected, how many it has done and how. */
export default defineRoute({
  method: "get",
  path: "/bulk-actions/:id",
  doc: {
    operationId: "getBulkAction",
    summary: "A bulk action's progress",
    responses: { 200: BulkActionRecord },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.bulkActions.retrieve(ctx.params.id);
  },
});
