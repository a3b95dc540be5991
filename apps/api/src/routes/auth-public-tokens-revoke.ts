import { defineRoute } from "../framework/types.ts";

/** Revokes a public access token: it fails (401) from the next request on. 204; a second call is a 404. */
export default defineRoute({
  method: "delete",
  path: "/auth/public-tokens/:id",
  doc: {
    operationId: "revokePublicToken",
    summary: "Revoke a public access token by its id",
    responses: { 204: null },
  },
  handler: async (ctx, { engine }) => {
    await engine.publicTokens.revoke(ctx.params.id);
    ctx.status = 204;
  },
});
