import type { CreatedWebhook, CreateWebhookBody, WebhookRecord } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

/** Webhook endpoints: events out, signed by the Standard Webhooks spec (check them with `verifyWebhook`). */
export class WebhooksResource {
  constructor(private readonly http: HttpTransport) {}

  /** Adds an endpoint; the answer carries its signing secret, this once. */
  create(body: CreateWebhookBody): Promise<CreatedWebhook> {
    return this.http.request("POST", "/webhooks", { body });
  }

  async list(): Promise<WebhookRecord[]> {
    return (await this.http.request<{ data: WebhookRecord[] }>("GET", "/webhooks")).data;
  }

  /** An endpoint and its last 50 delivery attempts. */
  retrieve(id: string): Promise<WebhookRecord> {
    return this.http.request("GET", `/webhooks/${encodeURIComponent(id)}`);
  }

  async delete(id: string): Promise<void> {
    await this.http.request("DELETE", `/webhooks/${encodeURIComponent(id)}`);
  }

  /** Turns an endpoint disabled after failed deliveries back on. */
  enable(id: string): Promise<WebhookRecord> {
    return this.http.request("POST", `/webhooks/${encodeURIComponent(id)}/enable`);
  }
}
