import { NoBody } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * A queued or parked run is cancelled at once (`cancellation: "cancelled"`); a running one
 * at its next durable operation (`"requested"`). A finished run answers 409.
 */
export default defineRoute({
  method: "post",
  path: "/runs/:id/cancel",
  handler: async (ctx, { engine }) => {
    await parseBody(ctx, NoBody);
    const { outcome, run } = await engine.runs.cancel(ctx.params.id);
    ctx.body = { ...run, cancellation: outcome };
  },
});
