import { ReplayRunBody, TriggerResult } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * A new run of the run's task with its payload (and its concurrencyKey and priority), on
 * the current version of the task's code; the new run's `replayOf` names the first, which
 * is left as it was. 404 when the run is gone (retention) or no worker has the task now.
 */
export default defineRoute({
  method: "post",
  path: "/runs/:id/replay",
  doc: {
    operationId: "replayRun",
    summary: "Run a run's task again with its payload, as a new run that names the first (replayOf)",
    body: ReplayRunBody,
    responses: { 201: TriggerResult },
    errors: [409],
  },
  handler: async (ctx, { engine }) => {
    const body = await parseBody(ctx, ReplayRunBody);
    ctx.status = 201;
    ctx.body = await engine.recovery.replay(ctx.params.id, body);
  },
});
