import { NoBody, RunRecord } from "@helmr/core";
import { z } from "zod";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * A queued or parked run is cancelled at once (`cancellation: "cancelled"`); a running one
 * at its next durable operation (`"requested"`). A finished run answers 409.
 */
export default defineRoute({
  method: "post",
  path: "/runs/:id/cancel",
  doc: {
    operationId: "cancelRun",
    summary: "Cancel a run: at once when queued or parked, at its next durable operation when running",
    body: NoBody,
    responses: {
      200: RunRecord.extend({
        cancellation: z
          .enum(["cancelled", "requested", "finished"])
          .describe("cancelled now, requested of the running code, or finished before (a run cancelled earlier)"),
      }),
    },
    errors: [409],
  },
  handler: async (ctx, { engine }) => {
    await parseBody(ctx, NoBody);
    const { outcome, run } = await engine.runs.cancel(ctx.params.id);
    ctx.body = { ...run, cancellation: outcome };
  },
});
