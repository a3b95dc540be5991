import { ScheduleRecord, UpdateScheduleBody } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { checkPayloadSize } from "../framework/payload.ts";
import { defineRoute } from "../framework/types.ts";

/** Changes a schedule created at runtime (a field left out stays); one a task's code declares is a 409. */
export default defineRoute({
  method: "patch",
  path: "/schedules/:id",
  doc: {
    operationId: "updateSchedule",
    summary: "Change a schedule's cron or every, time zone, payload or externalId; its next fire follows",
    body: UpdateScheduleBody,
    responses: { 200: ScheduleRecord },
  },
  handler: async (ctx, { engine, maxPayloadBytes }) => {
    const body = await parseBody(ctx, UpdateScheduleBody);
    checkPayloadSize(body.payload, maxPayloadBytes, "The payload");
    ctx.body = await engine.schedules.update(ctx.params.id, body);
  },
});
