import { defineRoute } from "../framework/types.ts";

/**
 * Erases the session now: its runs are cancelled and every key it owns is deleted, with its
 * entries in the global lists ("forget me"). 204; a second call is a 404.
 */
export default defineRoute({
  method: "delete",
  path: "/sessions/:id",
  doc: {
    operationId: "deleteSession",
    summary: "Erase a session and everything it owns",
    responses: { 204: null },
  },
  handler: async (ctx, { engine }) => {
    await engine.erasure.eraseSession(ctx.params.id);
    ctx.status = 204;
  },
});
