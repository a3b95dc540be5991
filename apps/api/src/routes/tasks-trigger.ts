import { TaskIdParam, TriggerBody, TriggerResult } from "@helmr/core";
import { parseBody, parseParam } from "../framework/input.ts";
import { checkPayloadSize } from "../framework/payload.ts";
import { defineRoute } from "../framework/types.ts";

/** 201 with a new run; 200 with the first run when the idempotencyKey was used before. */
export default defineRoute({
  method: "post",
  path: "/tasks/:taskId/trigger",
  doc: {
    operationId: "triggerTask",
    summary: "Trigger a run of a task (201), or get the earlier run of the same idempotencyKey (200)",
    params: { taskId: TaskIdParam },
    body: TriggerBody,
    responses: { 201: TriggerResult, 200: TriggerResult },
    errors: [409],
  },
  handler: async (ctx, { engine, maxPayloadBytes }) => {
    const taskId = parseParam(ctx, "taskId", TaskIdParam);
    const body = await parseBody(ctx, TriggerBody);
    checkPayloadSize(body.payload, maxPayloadBytes, "The payload");
    const result = await engine.runs.trigger(taskId, body);
    ctx.status = result.deduplicated ? 200 : 201;
    ctx.body = result;
  },
});
