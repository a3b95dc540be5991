import type { TriggerResult } from "@helmr/core";
import { Args, Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";

export default class RunReplay extends ApiCommand<typeof RunReplay> {
  static override description = "Run a run's task again with its payload, as a new run that names the first (replayOf); the first is left as it was.";
  static override examples = [
    "<%= config.bin %> run replay run_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8",
    "<%= config.bin %> run replay run_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8 --session ses_01J9Z8K3M4N5P6Q8",
  ];
  static override args = { id: Args.string({ description: "run id", required: true }) };
  static override flags = { session: Flags.string({ description: "an open session to run it in (a new session by default)" }) };

  async run(): Promise<TriggerResult> {
    const replayed = await this.client.runs.replay(this.args.id, this.flags.session ? { sessionId: this.flags.session } : {});
    this.say(`Replayed ${this.args.id} as ${replayed.runId} (session ${replayed.sessionId}).`);
    return replayed;
  }
}
