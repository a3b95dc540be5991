import { NoBody, TaskIdParam, TaskRecord } from "@helmr/core";
import { parseBody, parseParam } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * Pauses a task on every worker within a second: none of its runs starts or resumes (triggers and
 * inputs are taken, their runs wait in line for it, resumes first); what runs now goes on.
 * Pausing a paused task keeps when it was first paused.
 */
export default defineRoute({
  method: "post",
  path: "/tasks/:taskId/pause",
  doc: {
    operationId: "pauseTask",
    summary: "Pause a task: none of its runs starts or resumes until it is resumed; triggers and inputs are taken and wait",
    params: { taskId: TaskIdParam },
    body: NoBody,
    responses: { 200: TaskRecord },
  },
  handler: async (ctx, { engine }) => {
    const taskId = parseParam(ctx, "taskId", TaskIdParam);
    await parseBody(ctx, NoBody);
    const task = await engine.tasks.retrieve(taskId);
    ctx.body = await engine.flow.setPaused(task, true);
  },
});
