import { TaskIdParam, TaskLimits, TaskRecord } from "@helmr/core";
import { parseBody, parseParam } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * Sets a task's limits at runtime, in force at once on every worker: a field left out
 * follows the task's code, a null lifts the code's limit, `{}` goes back to the code's.
 */
export default defineRoute({
  method: "put",
  path: "/tasks/:taskId/limits",
  doc: {
    operationId: "setTaskLimits",
    summary: "Set a task's concurrency and rate limits at runtime, over its code's",
    params: { taskId: TaskIdParam },
    body: TaskLimits,
    responses: { 200: TaskRecord },
  },
  handler: async (ctx, { engine }) => {
    const taskId = parseParam(ctx, "taskId", TaskIdParam);
    const limits = await parseBody(ctx, TaskLimits);
    const task = await engine.tasks.retrieve(taskId);
    const nothingSet = limits.concurrency === undefined && limits.rateLimit === undefined;
    await engine.flow.setLimits(taskId, "set", nothingSet ? null : limits);
    ctx.body = await engine.flow.describe(task);
  },
});
