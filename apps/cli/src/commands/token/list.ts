import { TokenStatus, type Page, type TokenRecord } from "@helmr/core";
import { Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { table } from "../../format/table.ts";
import { relative } from "../../format/time.ts";

export default class TokenList extends ApiCommand<typeof TokenList> {
  static override description = "List tokens, newest first (never their secrets).";
  static override examples = ["<%= config.bin %> token list --status waiting", "<%= config.bin %> token list --tag approval"];
  static override flags = {
    status: Flags.string({ description: "only tokens with this status", options: TokenStatus.options }),
    tag: Flags.string({ description: "only tokens with this tag" }),
    limit: Flags.integer({ description: "how many", default: 50, min: 1, max: 200 }),
    cursor: Flags.string({ description: "nextCursor of an earlier page" }),
  };

  async run(): Promise<Page<TokenRecord>> {
    const page = await this.client.tokens.list({
      status: this.flags.status as TokenStatus | undefined,
      tag: this.flags.tag,
      limit: this.flags.limit,
      cursor: this.flags.cursor,
    });
    this.say(
      table(
        ["TOKEN", "STATUS", "TAGS", "TIMEOUT", "CREATED", "RUN"],
        page.data.map((t) => [t.id, t.status, t.tags.join(","), relative(t.timeoutAt), relative(t.createdAt), t.runId]),
      ),
    );
    if (page.nextCursor) this.say(`\nMore: --cursor ${page.nextCursor}`);
    return page;
  }
}
