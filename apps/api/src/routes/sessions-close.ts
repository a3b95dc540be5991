import { defineRoute } from "../framework/types.ts";

/** Closes the session; its queued and parked runs are cancelled. Closing twice is fine. */
export default defineRoute({
  method: "post",
  path: "/sessions/:id/close",
  handler: async (ctx, { engine }) => {
    const { session, cancelledRuns } = await engine.sessions.close(ctx.params.id);
    ctx.body = { ...session, cancelledRuns };
  },
});
