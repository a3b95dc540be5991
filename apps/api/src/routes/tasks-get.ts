import { TaskIdParam, TaskRecord } from "@helmr/core";
import { parseParam } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** A task workers have hosted: its limits, and its runs' running, queued and throttled counts, in all and per key. */
export default defineRoute({
  method: "get",
  path: "/tasks/:taskId",
  doc: {
    operationId: "getTask",
    summary: "Get a task: its limits (in force, from its code, set at runtime) and how its runs stand against them",
    params: { taskId: TaskIdParam },
    responses: { 200: TaskRecord },
  },
  handler: async (ctx, { engine }) => {
    const taskId = parseParam(ctx, "taskId", TaskIdParam);
    const task = await engine.tasks.retrieve(taskId);
    ctx.body = await engine.flow.describe(task);
  },
});
