import { checkRead } from "../framework/access.ts";
import { InputEntry, pageOf, StreamName, StreamReadQuery } from "@helmr/core";
import { parseParam, parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** The stream's input history, oldest first: each entry's correlationId, time, and which wait consumed it. */
export default defineRoute({
  method: "get",
  acceptsPublicToken: true,
  path: "/sessions/:id/input/:stream",
  doc: {
    operationId: "listInput",
    summary: "A stream's input history, oldest first, with which wait consumed each entry",
    params: { stream: StreamName },
    query: StreamReadQuery,
    responses: { 200: pageOf(InputEntry) },
  },
  handler: async (ctx, { engine }) => {
    await checkRead(ctx, engine, { session: ctx.params.id });
    const stream = parseParam(ctx, "stream", StreamName);
    ctx.body = await engine.streams.listInput(ctx.params.id, stream, parseQuery(ctx, StreamReadQuery));
  },
});
