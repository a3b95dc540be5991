import { TaskList } from "@helmr/core";
import { defineRoute } from "../framework/types.ts";

/** Every task workers have hosted, with its limits and its runs' running, queued and throttled counts. */
export default defineRoute({
  method: "get",
  path: "/tasks",
  doc: {
    operationId: "listTasks",
    summary: "List the tasks workers have hosted, with their limits and how their runs stand against them",
    responses: { 200: TaskList },
  },
  handler: async (ctx, { engine }) => {
    const tasks = (await engine.tasks.list()).sort((a, b) => a.id.localeCompare(b.id));
    ctx.body = { data: await Promise.all(tasks.map((task) => engine.flow.describe(task))) };
  },
});
