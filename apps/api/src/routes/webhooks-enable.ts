import { NoBody, WebhookRecord } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** Turns an endpoint disabled after failed deliveries back on. */
export default defineRoute({
  method: "post",
  path: "/webhooks/:id/enable",
  doc: {
    operationId: "enableWebhook",
    summary: "Turn a disabled webhook endpoint back on",
    body: NoBody,
    responses: { 200: WebhookRecord },
  },
  handler: async (ctx, { engine }) => {
    await parseBody(ctx, NoBody);
    ctx.body = await engine.webhooks.enable(ctx.params.id);
  },
});
