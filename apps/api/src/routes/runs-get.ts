import { invalid, RunRecord } from "@helmr/core";
import { checkRead } from "../framework/access.ts";
import { streamRunEvents } from "../framework/run-events.ts";
import { defineRoute } from "../framework/types.ts";

/** A run; with `Accept: text/event-stream`, its events live, each with the run as it is then, until it ends. */
export default defineRoute({
  method: "get",
  acceptsPublicToken: true,
  path: "/runs/:id",
  doc: {
    operationId: "getRun",
    summary: "A run: status, payload, output or error, and what it waits on; live as server-sent events with Accept: text/event-stream",
    responses: { 200: RunRecord },
    eventStream:
      "Each of the run's events (`event`: its type and time) with the run as it is then (`run`), ids counting the run's events from 0; reconnect with Last-Event-ID. Ends after the run's last event",
  },
  handler: async (ctx, deps) => {
    await checkRead(ctx, deps.engine, { run: ctx.params.id });
    const run = await deps.engine.runs.retrieve(ctx.params.id);
    if (!ctx.get("accept").includes("text/event-stream")) {
      ctx.body = run;
      return;
    }
    const lastEventId = ctx.get("last-event-id");
    if (lastEventId !== "" && !/^\d{1,9}$/.test(lastEventId)) throw invalid("Last-Event-ID is the id of an event of this stream (a whole number)");
    streamRunEvents(ctx, deps, run.id, lastEventId === "" ? -1 : Number(lastEventId));
  },
});
