import { checkRead } from "../framework/access.ts";
import { pageOf, WaitListQuery, WaitRecord } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** Pending waits, oldest first: kind, stream, correlationId, run, since when, deadline. */
export default defineRoute({
  method: "get",
  acceptsPublicToken: true,
  path: "/waits",
  doc: {
    operationId: "listWaits",
    summary: "Pending waits across sessions, oldest first",
    query: WaitListQuery,
    responses: { 200: pageOf(WaitRecord) },
  },
  handler: async (ctx, { engine }) => {
    const query = parseQuery(ctx, WaitListQuery);
    // A public access token lists the waits of the one session it may read, named.
    await checkRead(ctx, engine, { session: query.session });
    ctx.body = await engine.waits.list(query);
  },
});
