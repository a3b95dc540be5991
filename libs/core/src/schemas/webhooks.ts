import { z } from "zod";
import { Time } from "./time.ts";
import { WEBHOOK_EVENTS } from "../webhook-event-types.ts";

/**
 * Webhooks out: endpoints that hear Helmr's events, signed by the Standard Webhooks spec
 * (broker systems/webhooks.ts). The URL's host is checked by the broker (422 at `/url`).
 */

export { WEBHOOK_EVENTS };
export const WebhookEventType = z.enum(WEBHOOK_EVENTS);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** A signing secret as Standard Webhooks writes it: `whsec_` and the base64 of 24 to 64 random bytes. */
export const WebhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, "must be whsec_ followed by the base64 of 24 to 64 random bytes")
  .describe("Your own signing secret; one is made when left out");

export const CreateWebhookBody = z.strictObject({
  url: z.string().min(1).max(2048).describe("Where events are POSTed: http(s), not a private or loopback address unless HELMR_WEBHOOKS_ALLOW_PRIVATE"),
  events: z.array(WebhookEventType).min(1).max(WEBHOOK_EVENTS.length).describe("The events it hears"),
  secret: WebhookSecret.optional(),
});
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const WebhookDelivery = z.strictObject({
  webhookId: z.string().describe("The event's id, the same on every attempt (the webhook-id header)"),
  type: WebhookEventType,
  attempt: z.number().int(),
  outcome: z.enum(["delivered", "failed"]),
  statusCode: z.number().int().nullable().describe("The endpoint's HTTP status; null when it did not answer"),
  error: z.string().nullable(),
  at: Time,
  nextAttemptAt: Time.nullable().describe("When a failed delivery is tried again; null when it is not"),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookRecord = z.strictObject({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventType),
  disabledAt: Time.nullable().describe("When it was disabled after too many failed deliveries in a row; POST /webhooks/:id/enable turns it back on"),
  failuresInARow: z.number().int(),
  createdAt: Time,
  deliveries: z.array(WebhookDelivery).describe("The last 50 attempts, newest first"),
});
export type WebhookRecord = z.infer<typeof WebhookRecord>;

export const CreatedWebhook = WebhookRecord.extend({
  secret: z.string().describe("The signing secret (whsec_…): shown once, here"),
});
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;

/** What an endpoint receives: the body of every delivery. */
export const WebhookEvent = z.strictObject({
  type: WebhookEventType,
  timestamp: Time.describe("When the event happened"),
  data: z.record(z.string(), z.unknown()),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;
