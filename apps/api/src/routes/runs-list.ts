import { checkRead } from "../framework/access.ts";
import { invalid, pageOf, RunListQuery, RunRecord } from "@helmr/core";
import { streamSessionRuns } from "../framework/run-events.ts";
import { parseQuery } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  acceptsPublicToken: true,
  path: "/runs",
  doc: {
    operationId: "listRuns",
    summary: "List runs, newest first, by session, status and task; a session's runs live with Accept: text/event-stream",
    query: RunListQuery,
    responses: { 200: pageOf(RunRecord) },
    eventStream:
      "With `session`: each run of the session (its newest 100) as it is now, then again each time it changes (a state stream: a reconnect starts with every run's state)",
  },
  handler: async (ctx, deps) => {
    const query = parseQuery(ctx, RunListQuery);
    // A public access token lists the runs of the one session it may read, named.
    await checkRead(ctx, deps.engine, { session: query.session });
    if (ctx.get("accept").includes("text/event-stream")) {
      if (query.session === undefined)
        throw invalid("Following runs live takes a session (GET /runs?session=...)", [{ path: "/session", message: "is required" }]);
      await deps.engine.sessions.retrieve(query.session);
      streamSessionRuns(ctx, deps, query.session);
      return;
    }
    ctx.body = await deps.engine.runs.list(query);
  },
});
