import type { ScheduleRecord } from "@helmr/core";
import { Errors, Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { parseJsonFlag } from "../../format/json-input.ts";
import { describeSchedule } from "../../format/schedule.ts";

export default class ScheduleCreate extends ApiCommand<typeof ScheduleCreate> {
  static override description =
    "Create a schedule: runs of a task on a cron (5 fields, or 6 with seconds first) in a time zone, or every so long. With the --deduplication-key of one that exists, that one is updated.";
  static override examples = [
    '<%= config.bin %> schedule create --task digest --cron "0 9 * * 1-5" --timezone Europe/Paris',
    "<%= config.bin %> schedule create --task remind --every 1h --external-id cust-42 --payload '{\"customer\":42}'",
  ];
  static override flags = {
    task: Flags.string({ description: "the task each fire triggers", required: true }),
    cron: Flags.string({ description: 'a cron expression ("0 9 * * *", or "*/10 * * * * *" with seconds)', exclusive: ["every"] }),
    every: Flags.string({ description: 'fire every this long ("15m", "1h"), from now', exclusive: ["cron"] }),
    timezone: Flags.string({ description: "an IANA time zone for the cron (default UTC)" }),
    payload: Flags.string({ description: "the payload of every run, as JSON" }),
    "external-id": Flags.string({ description: "yours to find it by: a customer, a user" }),
    "deduplication-key": Flags.string({ description: "a create with the key of a schedule that exists updates that one" }),
    session: Flags.string({ description: "run its runs in this session" }),
  };

  async run(): Promise<ScheduleRecord> {
    if (this.flags.cron === undefined && this.flags.every === undefined) throw new Errors.CLIError('Give --cron "0 9 * * *" or --every 1h', { exit: 2 });
    const schedule = await this.client.schedules.create({
      task: this.flags.task,
      cron: this.flags.cron,
      every: this.flags.every,
      timezone: this.flags.timezone,
      payload: this.flags.payload === undefined ? undefined : parseJsonFlag(this.flags.payload, "--payload"),
      externalId: this.flags["external-id"],
      deduplicationKey: this.flags["deduplication-key"],
      sessionId: this.flags.session,
    });
    this.say(describeSchedule(schedule));
    return schedule;
  }
}
