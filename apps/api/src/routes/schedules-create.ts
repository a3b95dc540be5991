import { CreateScheduleBody, ScheduleRecord } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { checkPayloadSize } from "../framework/payload.ts";
import { defineRoute } from "../framework/types.ts";

/** 201 with a new schedule; 200 with the one its deduplicationKey names, updated. A bad cron or time zone is 422 and stores nothing. */
export default defineRoute({
  method: "post",
  path: "/schedules",
  doc: {
    operationId: "createSchedule",
    summary: "Create a schedule: runs of a task on a cron or every so long (or update the one its deduplicationKey names)",
    body: CreateScheduleBody,
    responses: { 201: ScheduleRecord, 200: ScheduleRecord },
  },
  handler: async (ctx, { engine, maxPayloadBytes }) => {
    const body = await parseBody(ctx, CreateScheduleBody);
    checkPayloadSize(body.payload, maxPayloadBytes, "The payload");
    const outcome = await engine.schedules.create(body);
    ctx.status = outcome.status === "created" ? 201 : 200;
    ctx.body = outcome.schedule;
  },
});
