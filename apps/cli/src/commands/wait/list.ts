import { WaitKind, describeWait, type Page, type WaitRecord } from "@helmr/core";
import { Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { table } from "../../format/table.ts";
import { relative, since } from "../../format/time.ts";

export default class WaitList extends ApiCommand<typeof WaitList> {
  static override description = "List every pending wait, oldest first, with how long it has waited and its deadline.";
  static override examples = ["<%= config.bin %> wait list", "<%= config.bin %> wait list --session ses_01J9Z8K3M4N5P6Q7 --kind input"];
  static override flags = {
    session: Flags.string({ description: "only waits of this session" }),
    kind: Flags.string({ description: "only waits of this kind", options: WaitKind.options }),
    limit: Flags.integer({ description: "how many", default: 50, min: 1, max: 200 }),
    cursor: Flags.string({ description: "nextCursor of an earlier page" }),
  };

  async run(): Promise<Page<WaitRecord>> {
    const page = await this.client.waits.list({
      session: this.flags.session,
      kind: this.flags.kind as WaitKind | undefined,
      limit: this.flags.limit,
      cursor: this.flags.cursor,
    });
    this.say(
      table(
        ["RUN", "TASK", "KIND", "ON", "WAITING", "DEADLINE"],
        page.data.map((w) => [w.runId, w.taskId, w.kind, describeWait(w, { deadlines: false }), since(w.waitingSince), relative(w.deadline)]),
      ),
    );
    if (page.nextCursor) this.say(`\nMore: --cursor ${page.nextCursor}`);
    return page;
  }
}
