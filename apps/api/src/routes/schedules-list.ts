import { pageOf, ScheduleListQuery, ScheduleRecord } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  path: "/schedules",
  doc: {
    operationId: "listSchedules",
    summary: "List schedules by id (those created at runtime in creation order), by task and externalId",
    query: ScheduleListQuery,
    responses: { 200: pageOf(ScheduleRecord) },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.schedules.list(parseQuery(ctx, ScheduleListQuery));
  },
});
