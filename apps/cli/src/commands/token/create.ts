import type { CreatedToken } from "@helmr/core";
import { Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { parseJsonFlag } from "../../format/json-input.ts";
import { fields } from "../../format/table.ts";

export default class TokenCreate extends ApiCommand<typeof TokenCreate> {
  static override description = "Create a token. Its publicAccessToken and callbackUrl are shown now and never again.";
  static override examples = ['<%= config.bin %> token create --timeout 1h --tag approval --metadata \'{"release":"2026.06.15"}\''];
  static override flags = {
    timeout: Flags.string({ description: 'how long until it times out ("30m", "1h", "2d")', required: true }),
    tag: Flags.string({ description: "a tag (repeat for more)", multiple: true }),
    metadata: Flags.string({ description: "metadata as a JSON object" }),
    "idempotency-key": Flags.string({ description: "the same key returns the same token" }),
  };

  async run(): Promise<CreatedToken> {
    const metadata = this.flags.metadata === undefined ? undefined : parseJsonFlag(this.flags.metadata, "--metadata");
    const token = await this.client.tokens.create({
      timeout: this.flags.timeout,
      tags: this.flags.tag,
      metadata: metadata as Record<string, unknown> | undefined,
      idempotencyKey: this.flags["idempotency-key"],
    });
    this.say(
      `${fields([
        ["token", token.id],
        ["timeout", token.timeoutAt],
        ["publicAccessToken", token.publicAccessToken],
        ["callbackUrl", token.callbackUrl],
      ])}\n\nKeep the publicAccessToken and callbackUrl now: Helmr does not store them and will not show them again.`,
    );
    return token;
  }
}
