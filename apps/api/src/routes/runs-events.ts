import { checkRead } from "../framework/access.ts";
import { IndexPageQuery, pageOf, RunEvent } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** The run's events, oldest first. */
export default defineRoute({
  method: "get",
  acceptsPublicToken: true,
  path: "/runs/:id/events",
  doc: {
    operationId: "listRunEvents",
    summary: "A run's events, oldest first",
    query: IndexPageQuery,
    responses: { 200: pageOf(RunEvent) },
  },
  handler: async (ctx, { engine }) => {
    await checkRead(ctx, engine, { run: ctx.params.id });
    const query = parseQuery(ctx, IndexPageQuery);
    ctx.body = await engine.runs.events(ctx.params.id, query.limit, query.cursor);
  },
});
