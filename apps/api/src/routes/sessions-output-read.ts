import { checkRead } from "../framework/access.ts";
import { OutputEntry, pageOf, StreamCursor, StreamName, StreamReadQuery } from "@helmr/core";
import { parseOrThrow } from "@helmr/core";
import { parseParam, parseQuery } from "../framework/input.ts";
import { streamOutputEvents } from "../framework/sse.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * Output entries after a cursor, as JSON; with `Accept: text/event-stream`, the same entries
 * and then live ones as server-sent events whose ids are entry ids, so a client that
 * reconnects with `Last-Event-ID` misses nothing and sees nothing twice.
 */
export default defineRoute({
  method: "get",
  acceptsPublicToken: true,
  path: "/sessions/:id/output/:stream",
  doc: {
    operationId: "readOutput",
    summary: "A stream's output after a cursor; live as server-sent events with Accept: text/event-stream",
    params: { stream: StreamName },
    query: StreamReadQuery,
    responses: { 200: pageOf(OutputEntry) },
    eventStream: "Each output entry as an event whose id is its entry id and whose data is the entry (OutputEntry); reconnect with Last-Event-ID",
  },
  handler: async (ctx, deps) => {
    await checkRead(ctx, deps.engine, { session: ctx.params.id });
    const stream = parseParam(ctx, "stream", StreamName);
    const query = parseQuery(ctx, StreamReadQuery);
    if (ctx.get("accept").includes("text/event-stream")) {
      await deps.engine.streams.requireSession(ctx.params.id);
      const lastEventId = ctx.get("last-event-id");
      const after = lastEventId ? parseOrThrow(StreamCursor, lastEventId, "Last-Event-ID header") : (query.after ?? "0-0");
      streamOutputEvents(ctx, deps, ctx.params.id, stream, after);
      return;
    }
    ctx.body = await deps.engine.streams.readOutput(ctx.params.id, stream, query);
  },
});
