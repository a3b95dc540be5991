import type { ScheduleRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { describeSchedule } from "../../format/schedule.ts";

export default class ScheduleGet extends ApiCommand<typeof ScheduleGet> {
  static override description = "Show a schedule: when it fires, its next fire times and the run its last fire started.";
  static override examples = ["<%= config.bin %> schedule get sched_01J2...", "<%= config.bin %> schedule get nightly-report --json"];
  static override args = { id: Args.string({ description: "schedule id (a declared schedule's is its task's id)", required: true }) };

  async run(): Promise<ScheduleRecord> {
    const schedule = await this.client.schedules.retrieve(this.args.id);
    this.say(describeSchedule(schedule));
    return schedule;
  }
}
