import { defineRoute } from "../framework/types.ts";

/** Deletes an endpoint and its log; deliveries queued for it are dropped. */
export default defineRoute({
  method: "delete",
  path: "/webhooks/:id",
  doc: {
    operationId: "deleteWebhook",
    summary: "Delete a webhook endpoint",
    responses: { 204: null },
  },
  handler: async (ctx, { engine }) => {
    await engine.webhooks.delete(ctx.params.id);
    ctx.status = 204;
  },
});
