import type { RunRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";

export default class RunCancel extends ApiCommand<typeof RunCancel> {
  static override description = "Cancel a run: a queued or parked run at once, a running one at its next durable operation.";
  static override examples = ["<%= config.bin %> run cancel run_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8"];
  static override args = { id: Args.string({ description: "run id", required: true }) };

  async run(): Promise<RunRecord & { cancellation: string }> {
    const run = await this.client.runs.cancel(this.args.id);
    this.say(run.cancellation === "requested" ? `Cancel requested: ${run.id} stops at its next durable operation.` : `Cancelled ${run.id}.`);
    return run;
  }
}
