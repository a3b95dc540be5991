import { IndexPageQuery, JournalOperation, pageOf } from "@helmr/core";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** The run's journal: its durable operations in the order they ran, with each wait's result (the dashboard's run page). */
export default defineRoute({
  method: "get",
  path: "/runs/:id/journal",
  doc: {
    operationId: "listRunJournal",
    summary: "A run's journal: each durable operation in order, with a wait's result once it has one",
    query: IndexPageQuery,
    responses: { 200: pageOf(JournalOperation) },
  },
  handler: async (ctx, { engine }) => {
    const query = parseQuery(ctx, IndexPageQuery);
    ctx.body = await engine.runs.journal(ctx.params.id, query.limit, query.cursor);
  },
});
