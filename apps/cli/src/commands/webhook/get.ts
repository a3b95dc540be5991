import type { WebhookRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { webhookDetail } from "../../format/webhook.ts";

export default class WebhookGet extends ApiCommand<typeof WebhookGet> {
  static override description = "Show a webhook endpoint and its delivery log: the last 50 attempts, with outcome, status and next attempt.";
  static override examples = ["<%= config.bin %> webhook get wh_01J9Z8K3M4N5P6Q7"];
  static override args = { id: Args.string({ description: "webhook id", required: true }) };

  async run(): Promise<WebhookRecord> {
    const webhook = await this.client.webhooks.retrieve(this.args.id);
    this.say(webhookDetail(webhook));
    return webhook;
  }
}
