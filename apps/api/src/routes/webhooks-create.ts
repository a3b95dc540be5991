import { CreatedWebhook, CreateWebhookBody } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * An endpoint for events, signed by the Standard Webhooks spec; 201 with its signing secret,
 * shown this once. 422 for a URL that is not http(s), or points at a loopback or private
 * address (unless HELMR_WEBHOOKS_ALLOW_PRIVATE).
 */
export default defineRoute({
  method: "post",
  path: "/webhooks",
  doc: {
    operationId: "createWebhook",
    summary: "Add a webhook endpoint: events POSTed to it, signed (Standard Webhooks); the secret is shown once",
    body: CreateWebhookBody,
    responses: { 201: CreatedWebhook },
  },
  handler: async (ctx, { engine }) => {
    const body = await parseBody(ctx, CreateWebhookBody);
    ctx.status = 201;
    ctx.body = await engine.webhooks.create(body);
  },
});
