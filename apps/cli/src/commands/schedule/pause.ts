import type { ScheduleRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { describeSchedule } from "../../format/schedule.ts";

export default class SchedulePause extends ApiCommand<typeof SchedulePause> {
  static override description = "Pause a schedule: it fires no more until it is resumed.";
  static override examples = ["<%= config.bin %> schedule pause sched_01J2..."];
  static override args = { id: Args.string({ description: "schedule id", required: true }) };

  async run(): Promise<ScheduleRecord> {
    const schedule = await this.client.schedules.pause(this.args.id);
    this.say(describeSchedule(schedule));
    return schedule;
  }
}
