import { RunStatus, type Page, type RunRecord } from "@helmr/core";
import { Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { table } from "../../format/table.ts";
import { relative } from "../../format/time.ts";
import { describeWait } from "../../format/waits.ts";

export default class RunList extends ApiCommand<typeof RunList> {
  static override description = "List runs, newest first.";
  static override examples = ["<%= config.bin %> run list --session ses_01J9Z8K3M4N5P6Q7", "<%= config.bin %> run list --status waiting --task publish-review"];
  static override flags = {
    session: Flags.string({ description: "only runs of this session" }),
    status: Flags.string({ description: "only runs with this status", options: RunStatus.options }),
    task: Flags.string({ description: "only runs of this task" }),
    limit: Flags.integer({ description: "how many", default: 50, min: 1, max: 200 }),
    cursor: Flags.string({ description: "nextCursor of an earlier page" }),
  };

  async run(): Promise<Page<RunRecord>> {
    const page = await this.client.runs.list({
      session: this.flags.session,
      status: this.flags.status as RunStatus | undefined,
      task: this.flags.task,
      limit: this.flags.limit,
      cursor: this.flags.cursor,
    });
    this.say(
      table(
        ["RUN", "TASK", "STATUS", "ATTEMPT", "CREATED", "UPDATED", "WAITING ON"],
        page.data.map((r) => [r.id, r.taskId, r.status, r.attempt, relative(r.createdAt), relative(r.updatedAt), r.waitingOn ? describeWait(r.waitingOn) : ""]),
      ),
    );
    if (page.nextCursor) this.say(`\nMore: --cursor ${page.nextCursor}`);
    return page;
  }
}
