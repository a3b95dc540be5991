import type { ScheduleRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { describeSchedule } from "../../format/schedule.ts";

export default class ScheduleResume extends ApiCommand<typeof ScheduleResume> {
  static override description = "Resume a paused schedule, from its next fire time after now (fires missed while paused are not made up).";
  static override examples = ["<%= config.bin %> schedule resume sched_01J2..."];
  static override args = { id: Args.string({ description: "schedule id", required: true }) };

  async run(): Promise<ScheduleRecord> {
    const schedule = await this.client.schedules.resume(this.args.id);
    this.say(describeSchedule(schedule));
    return schedule;
  }
}
