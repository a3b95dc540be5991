import { BatchTriggerBody, BatchTriggerResult, TaskIdParam } from "@helmr/core";
import { parseBody, parseParam } from "../framework/input.ts";
import { checkPayloadSize } from "../framework/payload.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * 201 with the batch's runs, in the items' order; 200 when every item's idempotencyKey was
 * used before (nothing new was created). The batch is checked whole first: a refused one
 * creates no run (engine.batches, systems/batches.ts).
 */
export default defineRoute({
  method: "post",
  path: "/tasks/:taskId/batch-trigger",
  doc: {
    operationId: "batchTriggerTask",
    summary: "Trigger up to 1,000 runs of a task at once, all or none (201), in the items' order",
    params: { taskId: TaskIdParam },
    body: BatchTriggerBody,
    responses: { 201: BatchTriggerResult, 200: BatchTriggerResult },
    errors: [409],
  },
  handler: async (ctx, { engine, maxPayloadBytes }) => {
    const taskId = parseParam(ctx, "taskId", TaskIdParam);
    const body = await parseBody(ctx, BatchTriggerBody);
    for (const [i, item] of body.items.entries()) checkPayloadSize(item.payload, maxPayloadBytes, `items[${i}].payload`);
    const runs = await engine.batches.trigger(taskId, body.items);
    ctx.status = runs.every((run) => run.deduplicated) ? 200 : 201;
    ctx.body = { runs };
  },
});
