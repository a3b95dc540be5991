import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<body>` keyed with the secret's base64 part, sent as
 * `webhook-signature: v1,<base64>`. Helmr signs with it (broker systems/webhooks.ts) and
 * `@helmr/sdk` exports the verifier, so a receiver needs nothing else.
 */
const PREFIX = "whsec_";

export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString("base64");
}

/** A secret made from the server secret and the endpoint's id, never stored (invariant 5). */
export function derivedWebhookSecret(serverSecret: string, endpointId: string): string {
  return PREFIX + createHmac("sha256", serverSecret).update(`webhook-signing:${endpointId}`).digest("base64");
}

export function signWebhook(secret: string, webhookId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, "base64");
  return `v1,${createHmac("sha256", key).update(`${webhookId}.${timestampSeconds}.${body}`).digest("base64")}`;
}

export class WebhookVerificationError extends Error {
  override name = "WebhookVerificationError";
}

/** Header lookup over a plain object (any case) or a fetch Headers. */
type HeaderSource = Headers | Record<string, string | string[] | undefined>;
function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  return undefined;
}

/**
 * Checks a delivery: its signature against the secret (any of the space-separated `v1,`
 * signatures may match), and its timestamp within `toleranceSeconds` of now (a replayed old
 * delivery is refused). Returns the parsed body; throws WebhookVerificationError otherwise.
 * Pass the body exactly as received: parsed and serialized again, it may not match.
 */
export function verifyWebhook<T = unknown>(
  secret: string,
  headers: HeaderSource,
  body: string | Buffer,
  options: { toleranceSeconds?: number; now?: number } = {},
): T {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header");
  const seconds = Number(timestamp);
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (!Number.isInteger(seconds) || Math.abs(nowSeconds - seconds) > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError("webhook-timestamp is too far from now");
  }
  const text = typeof body === "string" ? body : body.toString("utf8");
  const expected = Buffer.from(signWebhook(secret, id, seconds, text));
  const matches = signatures.split(" ").some((given) => {
    const candidate = Buffer.from(given);
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
  if (!matches) throw new WebhookVerificationError("no signature matches");
  return JSON.parse(text) as T;
}
