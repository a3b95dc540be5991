import { NoBody } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** Closes the session; its queued and parked runs are cancelled. Closing twice is fine. */
export default defineRoute({
  method: "post",
  path: "/sessions/:id/close",
  handler: async (ctx, { engine }) => {
    await parseBody(ctx, NoBody);
    const { session, cancelledRuns } = await engine.sessions.close(ctx.params.id);
    ctx.body = { ...session, cancelledRuns };
  },
});
