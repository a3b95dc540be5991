import { NoBody, ScheduleRecord } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** Stops a schedule's fires until it is resumed; declared ones too. */
export default defineRoute({
  method: "post",
  path: "/schedules/:id/pause",
  doc: {
    operationId: "pauseSchedule",
    summary: "Pause a schedule: no fires until it is resumed",
    body: NoBody,
    responses: { 200: ScheduleRecord },
  },
  handler: async (ctx, { engine }) => {
    await parseBody(ctx, NoBody);
    ctx.body = await engine.schedules.pause(ctx.params.id);
  },
});
