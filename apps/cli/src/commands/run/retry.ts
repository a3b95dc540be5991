import type { RunRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";

export default class RunRetry extends ApiCommand<typeof RunRetry> {
  static override description = "Retry a failed run from its last good step: the same run, a new attempt, the steps that succeeded not run again.";
  static override examples = ["<%= config.bin %> run retry run_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8"];
  static override args = { id: Args.string({ description: "run id", required: true }) };

  async run(): Promise<RunRecord> {
    const run = await this.client.runs.retry(this.args.id);
    this.say(`Retrying ${run.id} as attempt ${run.attempt}, from its last good step.`);
    return run;
  }
}
