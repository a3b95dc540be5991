import { NoBody, RunRecord } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * A failed run queued again from its last good step: the same run, a new attempt, its
 * journal kept (so every step that succeeded is not run again). 409 when the run has not
 * failed, is a child run (its parent went on with the failure), or its session is closed.
 */
export default defineRoute({
  method: "post",
  path: "/runs/:id/retry",
  doc: {
    operationId: "retryRun",
    summary: "Retry a failed run from its last good step, as a new attempt of the same run",
    body: NoBody,
    responses: { 200: RunRecord },
    errors: [409],
  },
  handler: async (ctx, { engine }) => {
    await parseBody(ctx, NoBody);
    ctx.body = await engine.recovery.retry(ctx.params.id);
  },
});
