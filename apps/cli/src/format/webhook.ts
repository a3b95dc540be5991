import type { WebhookRecord } from "@helmr/core";
import { fields, table } from "./table.ts";
import { relative } from "./time.ts";

export function webhookTable(webhooks: WebhookRecord[]): string {
  return table(
    ["WEBHOOK", "URL", "EVENTS", "STATE", "LAST DELIVERY"],
    webhooks.map((webhook) => [webhook.id, webhook.url, webhook.events.join(","), stateOf(webhook), lastDelivery(webhook)]),
  );
}

/** An endpoint, then its delivery log, newest first. */
export function webhookDetail(webhook: WebhookRecord): string {
  const facts = fields([
    ["webhook", webhook.id],
    ["url", webhook.url],
    ["events", webhook.events.join(", ")],
    ["state", stateOf(webhook)],
    ["created", webhook.createdAt],
  ]);
  const log = table(
    ["WHEN", "EVENT", "WEBHOOK-ID", "ATTEMPT", "OUTCOME", "STATUS", "NEXT ATTEMPT", "ERROR"],
    webhook.deliveries.map((delivery) => [
      relative(delivery.at),
      delivery.type,
      delivery.webhookId,
      delivery.attempt,
      delivery.outcome,
      delivery.statusCode,
      delivery.nextAttemptAt ? relative(delivery.nextAttemptAt) : "",
      delivery.error,
    ]),
  );
  return `${facts}\n\n${webhook.deliveries.length ? log : "No deliveries yet."}`;
}

function stateOf(webhook: WebhookRecord): string {
  if (webhook.disabledAt) return `disabled ${relative(webhook.disabledAt)} (\`helmr webhook enable ${webhook.id}\`)`;
  return webhook.failuresInARow ? `enabled, ${webhook.failuresInARow} failed in a row` : "enabled";
}

function lastDelivery(webhook: WebhookRecord): string {
  const last = webhook.deliveries[0];
  return last ? `${last.outcome} ${relative(last.at)}` : "";
}
