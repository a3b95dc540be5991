import type { WebhookRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";

export default class WebhookEnable extends ApiCommand<typeof WebhookEnable> {
  static override description = "Turn a webhook endpoint disabled after failed deliveries back on (what was emitted before is not sent).";
  static override examples = ["<%= config.bin %> webhook enable wh_01J9Z8K3M4N5P6Q7"];
  static override args = { id: Args.string({ description: "webhook id", required: true }) };

  async run(): Promise<WebhookRecord> {
    const webhook = await this.client.webhooks.enable(this.args.id);
    this.say(`Webhook ${webhook.id} enabled.`);
    return webhook;
  }
}
