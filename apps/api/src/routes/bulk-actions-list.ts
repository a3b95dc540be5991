import { BulkActionRecord } from "@helmr/core";
import { z } from "zod";
import { defineRoute } from "../framework/types.ts";

/** The bulk actions of the last week, newest first (a finished one is kept a week). */
export default defineRoute({
  method: "get",
  path: "/bulk-actions",
  doc: {
    operationId: "listBulkActions",
    summary: "Bulk actions of the last week, newest first",
    responses: { 200: z.strictObject({ data: z.array(BulkActionRecord) }) },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = { data: await engine.bulkActions.list() };
  },
});
