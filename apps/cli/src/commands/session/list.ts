import type { Page, SessionRecord } from "@helmr/core";
import { Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { table } from "../../format/table.ts";
import { relative } from "../../format/time.ts";

export default class SessionList extends ApiCommand<typeof SessionList> {
  static override description = "List sessions, newest first.";
  static override examples = ["<%= config.bin %> session list", "<%= config.bin %> session list --tag support --limit 20"];
  static override flags = {
    tag: Flags.string({ description: "only sessions with this tag" }),
    "external-id": Flags.string({ description: "the session mapped to this external id" }),
    limit: Flags.integer({ description: "how many", default: 50, min: 1, max: 200 }),
    cursor: Flags.string({ description: "nextCursor of an earlier page" }),
  };

  async run(): Promise<Page<SessionRecord>> {
    const page = await this.client.sessions.list({
      tag: this.flags.tag,
      externalId: this.flags["external-id"],
      limit: this.flags.limit,
      cursor: this.flags.cursor,
    });
    this.say(
      table(
        ["SESSION", "STATUS", "EXTERNAL ID", "TAGS", "CREATED"],
        page.data.map((s) => [s.id, s.status, s.externalId, s.tags.join(","), relative(s.createdAt)]),
      ),
    );
    if (page.nextCursor) this.say(`\nMore: --cursor ${page.nextCursor}`);
    return page;
  }
}
