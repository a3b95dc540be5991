import type { WebhookRecord } from "@helmr/core";
import { ApiCommand } from "../../base/api-command.ts";
import { webhookTable } from "../../format/webhook.ts";

export default class WebhookList extends ApiCommand<typeof WebhookList> {
  static override description = "List webhook endpoints, with their state and last delivery.";
  static override examples = ["<%= config.bin %> webhook list"];

  async run(): Promise<WebhookRecord[]> {
    const webhooks = await this.client.webhooks.list();
    this.say(webhookTable(webhooks));
    return webhooks;
  }
}
