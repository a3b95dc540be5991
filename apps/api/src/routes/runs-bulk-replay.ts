import { BulkActionRecord, BulkDryRun, BulkReplayBody } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * Replays every run the filter selects: each gets a new run of its task with its payload,
 * in a new session, naming it (`replayOf`). With `dryRun`, answers how many that is and
 * changes nothing (200); otherwise the action runs as a job (202, its record).
 */
export default defineRoute({
  method: "post",
  path: "/runs/bulk-replay",
  doc: {
    operationId: "bulkReplayRuns",
    summary: "Replay every run a filter selects as new runs (dryRun: count them only)",
    body: BulkReplayBody,
    responses: { 200: BulkDryRun, 202: BulkActionRecord },
  },
  handler: async (ctx, { engine }) => {
    const { dryRun, ...request } = await parseBody(ctx, BulkReplayBody);
    if (dryRun) ctx.body = await engine.bulkActions.dryRun("replay", request);
    else {
      ctx.status = 202;
      ctx.body = await engine.bulkActions.start("replay", request);
    }
  },
});
