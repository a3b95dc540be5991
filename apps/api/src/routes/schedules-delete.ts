import { defineRoute } from "../framework/types.ts";

/** 204; a second call is a 404; one a task's code declares is a 409 (remove it from the code, or pause it). */
export default defineRoute({
  method: "delete",
  path: "/schedules/:id",
  doc: {
    operationId: "deleteSchedule",
    summary: "Delete a schedule created at runtime: it fires no more",
    responses: { 204: null },
  },
  handler: async (ctx, { engine }) => {
    await engine.schedules.remove(ctx.params.id);
    ctx.status = 204;
  },
});
