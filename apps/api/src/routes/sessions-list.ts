import { pageOf, SessionListQuery, SessionRecord } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  path: "/sessions",
  doc: {
    operationId: "listSessions",
    summary: "List sessions, newest first, by tag or externalId",
    query: SessionListQuery,
    responses: { 200: pageOf(SessionRecord) },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.sessions.list(parseQuery(ctx, SessionListQuery));
  },
});
