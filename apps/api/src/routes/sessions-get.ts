import { checkRead } from "../framework/access.ts";
import { SessionDetail } from "@helmr/core";
import { defineRoute } from "../framework/types.ts";

/** The session, its streams with entry counts, and its newest runs (up to 100; page the rest with GET /runs?session=). */
export default defineRoute({
  method: "get",
  acceptsPublicToken: true,
  path: "/sessions/:id",
  doc: {
    operationId: "getSession",
    summary: "A session with its streams' entry counts and its newest runs",
    responses: { 200: SessionDetail },
  },
  handler: async (ctx, { engine }) => {
    await checkRead(ctx, engine, { session: ctx.params.id });
    const session = await engine.sessions.retrieve(ctx.params.id);
    const [runs, streams] = await Promise.all([engine.runs.list({ session: session.id, limit: 100 }), engine.sessions.streams(session.id)]);
    ctx.body = { ...session, streams, runs: runs.data };
  },
});
