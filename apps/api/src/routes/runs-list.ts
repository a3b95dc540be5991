import { checkRead } from "../framework/access.ts";
import { pageOf, RunListQuery, RunRecord } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  acceptsPublicToken: true,
  path: "/runs",
  doc: {
    operationId: "listRuns",
    summary: "List runs, newest first, by session, status and task",
    query: RunListQuery,
    responses: { 200: pageOf(RunRecord) },
  },
  handler: async (ctx, { engine }) => {
    const query = parseQuery(ctx, RunListQuery);
    // A public access token lists the runs of the one session it may read, named.
    await checkRead(ctx, engine, { session: query.session });
    ctx.body = await engine.runs.list(query);
  },
});
