import { ScheduleRecord } from "@helmr/core";
import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  path: "/schedules/:id",
  doc: {
    operationId: "getSchedule",
    summary: "A schedule, with its next fire times and the run its last fire started",
    responses: { 200: ScheduleRecord },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.schedules.retrieve(ctx.params.id);
  },
});
