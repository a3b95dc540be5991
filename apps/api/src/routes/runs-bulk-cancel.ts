import { BulkActionRecord, BulkCancelBody, BulkDryRun } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * Cancels every run the filter selects that has not ended. With `dryRun`, answers how
 * many that is and changes nothing (200); otherwise the action runs as a job and this
 * answers its record at once (202): `GET /bulk-actions/:id` follows its progress.
 */
export default defineRoute({
  method: "post",
  path: "/runs/bulk-cancel",
  doc: {
    operationId: "bulkCancelRuns",
    summary: "Cancel every run a filter selects (dryRun: count them only)",
    body: BulkCancelBody,
    responses: { 200: BulkDryRun, 202: BulkActionRecord },
  },
  handler: async (ctx, { engine }) => {
    const { dryRun, ...request } = await parseBody(ctx, BulkCancelBody);
    if (dryRun) ctx.body = await engine.bulkActions.dryRun("cancel", request);
    else {
      ctx.status = 202;
      ctx.body = await engine.bulkActions.start("cancel", request);
    }
  },
});
