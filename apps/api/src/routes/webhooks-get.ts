import { WebhookRecord } from "@helmr/core";
import { defineRoute } from "../framework/types.ts";

/** A webhook endpoint and its delivery log: the last 50 attempts, each with its outcome and next retry. */
export default defineRoute({
  method: "get",
  path: "/webhooks/:id",
  doc: {
    operationId: "getWebhook",
    summary: "A webhook endpoint and its delivery log",
    responses: { 200: WebhookRecord },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.webhooks.retrieve(ctx.params.id);
  },
});
