import type { RunEvent } from "@helmr/core";
import { Args, Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { followRunEvents } from "../../format/follow.ts";

export default class RunEvents extends ApiCommand<typeof RunEvents> {
  static override description = "Show a run's events (triggered, started, parked, resumed, retried, completed, failed, cancelled).";
  static override examples = [
    "<%= config.bin %> run events run_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8",
    "<%= config.bin %> run events run_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8 --follow",
  ];
  static override args = { id: Args.string({ description: "run id", required: true }) };
  static override flags = { follow: Flags.boolean({ char: "f", description: "keep printing new events until the run ends" }) };

  async run(): Promise<{ runId: string; events: RunEvent[] }> {
    const events = await followRunEvents(this.client, this.args.id, { follow: this.flags.follow, onEvent: (line) => this.say(line) });
    return { runId: this.args.id, events };
  }
}
