import { PageLimit, pageOf, RunEvent } from "@helmr/core";
import { z } from "zod";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

const EventsQuery = z.object({ limit: PageLimit, cursor: z.string().regex(/^\d+$/, "must be the nextCursor of an earlier page").optional() });

/** The run's events, oldest first. */
export default defineRoute({
  method: "get",
  path: "/runs/:id/events",
  doc: {
    operationId: "listRunEvents",
    summary: "A run's events, oldest first",
    query: EventsQuery,
    responses: { 200: pageOf(RunEvent) },
  },
  handler: async (ctx, { engine }) => {
    const query = parseQuery(ctx, EventsQuery);
    ctx.body = await engine.runs.events(ctx.params.id, query.limit, query.cursor);
  },
});
