import type { Page, ScheduleRecord } from "@helmr/core";
import { Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { scheduleTable } from "../../format/schedule.ts";

export default class ScheduleList extends ApiCommand<typeof ScheduleList> {
  static override description = "List schedules (declared in code and created at runtime), with when each fires next.";
  static override examples = ["<%= config.bin %> schedule list", "<%= config.bin %> schedule list --task digest --external-id cust-42"];
  static override flags = {
    task: Flags.string({ description: "only schedules of this task" }),
    "external-id": Flags.string({ description: "only schedules with this externalId" }),
    limit: Flags.integer({ description: "how many", default: 50, min: 1, max: 200 }),
    cursor: Flags.string({ description: "nextCursor of an earlier page" }),
  };

  async run(): Promise<Page<ScheduleRecord>> {
    const page = await this.client.schedules.list({
      task: this.flags.task,
      externalId: this.flags["external-id"],
      limit: this.flags.limit,
      cursor: this.flags.cursor,
    });
    this.say(scheduleTable(page.data));
    if (page.nextCursor) this.say(`\nMore: --cursor ${page.nextCursor}`);
    return page;
  }
}
