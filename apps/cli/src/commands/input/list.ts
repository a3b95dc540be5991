import type { InputEntry, Page } from "@helmr/core";
import { Args, Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { table } from "../../format/table.ts";
import { relative } from "../../format/time.ts";

export default class InputList extends ApiCommand<typeof InputList> {
  static override description = "List a session stream's input history, oldest first, with which wait consumed each entry.";
  static override examples = ["<%= config.bin %> input list ses_01J9Z8K3M4N5P6Q7 approval"];
  static override args = {
    session: Args.string({ description: "session id", required: true }),
    stream: Args.string({ description: "input stream name", required: true }),
  };
  static override flags = {
    after: Flags.string({ description: "entries after this entry id" }),
    limit: Flags.integer({ description: "how many", default: 50, min: 1, max: 200 }),
  };

  async run(): Promise<Page<InputEntry>> {
    const page = await this.client.sessions.open(this.args.session).input(this.args.stream).list({ after: this.flags.after, limit: this.flags.limit });
    this.say(
      table(
        ["ENTRY", "CORRELATION ID", "AT", "STATUS", "CONSUMED BY", "DATA"],
        page.data.map((e) => [e.id, e.correlationId, relative(e.at), e.status, e.consumedBy?.runId, JSON.stringify(e.data)]),
      ),
    );
    if (page.nextCursor) this.say(`\nMore: --after ${page.nextCursor}`);
    return page;
  }
}
