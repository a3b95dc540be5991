/**
 * Checking Helmr's webhook deliveries in the app that receives them (Standard Webhooks):
 * `verifyWebhook(secret, headers, rawBody)` returns the event, or throws
 * WebhookVerificationError. Node only (node:crypto); a browser never receives webhooks.
 */
export { verifyWebhook, WebhookVerificationError } from "@helmr/core";
export type { WebhookEvent, WebhookEventType } from "@helmr/core";
