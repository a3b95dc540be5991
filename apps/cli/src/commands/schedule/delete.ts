import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";

export default class ScheduleDelete extends ApiCommand<typeof ScheduleDelete> {
  static override description =
    "Delete a schedule created at runtime: it fires no more. A schedule its task's code declares goes when the code stops declaring it (pause it meanwhile).";
  static override examples = ["<%= config.bin %> schedule delete sched_01J2..."];
  static override args = { id: Args.string({ description: "schedule id", required: true }) };

  async run(): Promise<{ id: string; deleted: true }> {
    await this.client.schedules.delete(this.args.id);
    this.say(`Schedule ${this.args.id} deleted.`);
    return { id: this.args.id, deleted: true };
  }
}
