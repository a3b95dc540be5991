import { type CreatedWebhook, WEBHOOK_EVENTS } from "@helmr/core";
import { Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { fields } from "../../format/table.ts";

export default class WebhookCreate extends ApiCommand<typeof WebhookCreate> {
  static override description =
    "Add a webhook endpoint: the events it names are POSTed to it, signed (Standard Webhooks). Its secret is shown now and never again.";
  static override examples = ["<%= config.bin %> webhook create --url https://example.com/helmr --event run.failed --event token.timed_out"];
  static override flags = {
    url: Flags.string({ description: "where events are POSTed (http or https)", required: true }),
    event: Flags.string({ description: "an event it hears (repeat for more)", options: [...WEBHOOK_EVENTS], multiple: true, required: true }),
    secret: Flags.string({ description: "your own signing secret (whsec_...); one is made when left out" }),
  };

  async run(): Promise<CreatedWebhook> {
    const webhook = await this.client.webhooks.create({
      url: this.flags.url,
      events: this.flags.event as CreatedWebhook["events"],
      ...(this.flags.secret ? { secret: this.flags.secret } : {}),
    });
    this.say(
      `${fields([
        ["webhook", webhook.id],
        ["url", webhook.url],
        ["events", webhook.events.join(", ")],
        ["secret", webhook.secret],
      ])}\n\nKeep the secret now to verify deliveries (verifyWebhook in @helmr/sdk): it is not shown again.`,
    );
    return webhook;
  }
}
