import { WebhookRecord } from "@helmr/core";
import { z } from "zod";
import { defineRoute } from "../framework/types.ts";

/** Every webhook endpoint, newest first, with its last deliveries (never its secret). */
export default defineRoute({
  method: "get",
  path: "/webhooks",
  doc: {
    operationId: "listWebhooks",
    summary: "Webhook endpoints with their last deliveries",
    responses: { 200: z.strictObject({ data: z.array(WebhookRecord) }) },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = { data: await engine.webhooks.list() };
  },
});
