import { pageOf, RunListQuery, RunRecord } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  path: "/runs",
  doc: {
    operationId: "listRuns",
    summary: "List runs, newest first, by session, status and task",
    query: RunListQuery,
    responses: { 200: pageOf(RunRecord) },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.runs.list(parseQuery(ctx, RunListQuery));
  },
});
