import { NoBody, TaskIdParam, TaskRecord } from "@helmr/core";
import { parseBody, parseParam } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * Resumes a paused task: the runs that waited for it start as its limits let them, resumes
 * first. Resuming a task that is not paused changes nothing.
 */
export default defineRoute({
  method: "post",
  path: "/tasks/:taskId/resume",
  doc: {
    operationId: "resumeTask",
    summary: "Resume a paused task: the runs that waited start as its limits let them",
    params: { taskId: TaskIdParam },
    body: NoBody,
    responses: { 200: TaskRecord },
  },
  handler: async (ctx, { engine }) => {
    const taskId = parseParam(ctx, "taskId", TaskIdParam);
    await parseBody(ctx, NoBody);
    const task = await engine.tasks.retrieve(taskId);
    ctx.body = await engine.flow.setPaused(task, false);
  },
});
