import { JournalOperation, PageLimit, pageOf } from "@helmr/core";
import { z } from "zod";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

const JournalQuery = z.object({ limit: PageLimit, cursor: z.string().regex(/^\d+$/, "must be the nextCursor of an earlier page").optional() });

/** The run's journal: its durable operations in the order they ran, with each wait's result (the dashboard's run page). */
export default defineRoute({
  method: "get",
  path: "/runs/:id/journal",
  doc: {
    operationId: "listRunJournal",
    summary: "A run's journal: each durable operation in order, with a wait's result once it has one",
    query: JournalQuery,
    responses: { 200: pageOf(JournalOperation) },
  },
  handler: async (ctx, { engine }) => {
    const query = parseQuery(ctx, JournalQuery);
    ctx.body = await engine.runs.journal(ctx.params.id, query.limit, query.cursor);
  },
});
