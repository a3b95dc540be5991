import { NoBody, ScheduleRecord } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** Fires a paused schedule again from its next fire time after now; fires missed while paused are not made up. */
export default defineRoute({
  method: "post",
  path: "/schedules/:id/resume",
  doc: {
    operationId: "resumeSchedule",
    summary: "Resume a paused schedule from its next fire time",
    body: NoBody,
    responses: { 200: ScheduleRecord },
  },
  handler: async (ctx, { engine }) => {
    await parseBody(ctx, NoBody);
    ctx.body = await engine.schedules.resume(ctx.params.id);
  },
});
