import type { TokenRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { fields } from "../../format/table.ts";
import { relative } from "../../format/time.ts";

export default class TokenGet extends ApiCommand<typeof TokenGet> {
  static override description = "Show a token: status, timeout, tags, metadata and completion data (never its secrets).";
  static override examples = ["<%= config.bin %> token get tok_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8"];
  static override args = { id: Args.string({ description: "token id", required: true }) };

  async run(): Promise<TokenRecord> {
    const token = await this.client.tokens.retrieve(this.args.id);
    this.say(
      fields([
        ["token", token.id],
        ["status", token.status],
        ["timeout", `${token.timeoutAt} (${relative(token.timeoutAt)})`],
        ["tags", token.tags.join(", ")],
        ["metadata", JSON.stringify(token.metadata)],
        ["created", relative(token.createdAt)],
        ["completed", relative(token.completedAt)],
        ["data", token.status === "completed" ? JSON.stringify(token.data) : null],
        ["run", token.runId],
      ]),
    );
    return token;
  }
}
