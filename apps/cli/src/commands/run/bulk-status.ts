import type { BulkActionRecord } from "@helmr/core";
import { Args, Flags } from "@oclif/core";
import { BulkCommand } from "../../base/bulk-command.ts";
import { progressLine } from "../../format/bulk.ts";

export default class RunBulkStatus extends BulkCommand<typeof RunBulkStatus> {
  static override description = "Show a bulk action's progress (--wait: follow it to its end).";
  static override examples = ["<%= config.bin %> run bulk-status bulk_01J9Z8K3M4N5P6Q7 --wait"];
  static override args = { id: Args.string({ description: "bulk action id", required: true }) };
  static override flags = { wait: Flags.boolean({ description: "follow it until it ends, drawing its progress" }) };

  async run(): Promise<BulkActionRecord> {
    const action = await this.client.bulkActions.retrieve(this.args.id);
    if (this.flags.wait) return this.followAction(action, false);
    this.say(`${action.id} (${action.action}, ${action.status}) ${progressLine(action)}`);
    return action;
  }
}
