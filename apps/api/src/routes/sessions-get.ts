import { defineRoute } from "../framework/types.ts";

/** The session with its newest runs (up to 100; page the rest with GET /runs?session=). */
export default defineRoute({
  method: "get",
  path: "/sessions/:id",
  handler: async (ctx, { engine }) => {
    const session = await engine.sessions.retrieve(ctx.params.id);
    const runs = await engine.runs.list({ session: session.id, limit: 100 });
    ctx.body = { ...session, runs: runs.data };
  },
});
