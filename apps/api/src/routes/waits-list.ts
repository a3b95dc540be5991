import { pageOf, WaitListQuery, WaitRecord } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** Pending waits, oldest first: kind, stream, correlationId, run, since when, deadline. */
export default defineRoute({
  method: "get",
  path: "/waits",
  doc: {
    operationId: "listWaits",
    summary: "Pending waits across sessions, oldest first",
    query: WaitListQuery,
    responses: { 200: pageOf(WaitRecord) },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.waits.list(parseQuery(ctx, WaitListQuery));
  },
});
