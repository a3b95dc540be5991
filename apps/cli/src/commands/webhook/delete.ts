import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";

export default class WebhookDelete extends ApiCommand<typeof WebhookDelete> {
  static override description = "Delete a webhook endpoint and its log; deliveries still queued for it are dropped.";
  static override examples = ["<%= config.bin %> webhook delete wh_01J9Z8K3M4N5P6Q7"];
  static override args = { id: Args.string({ description: "webhook id", required: true }) };

  async run(): Promise<{ id: string; deleted: true }> {
    await this.client.webhooks.delete(this.args.id);
    this.say(`Webhook ${this.args.id} deleted.`);
    return { id: this.args.id, deleted: true };
  }
}
