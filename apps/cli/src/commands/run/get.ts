import type { RunRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { fields } from "../../format/table.ts";
import { relative } from "../../format/time.ts";
import { describeWait } from "../../format/waits.ts";

export default class RunGet extends ApiCommand<typeof RunGet> {
  static override description = "Show a run: status, attempt, what it waits on, the runs it continues, continued as or replays, output or error.";
  static override examples = ["<%= config.bin %> run get run_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8"];
  static override args = { id: Args.string({ description: "run id", required: true }) };

  async run(): Promise<RunRecord> {
    const run = await this.client.runs.retrieve(this.args.id);
    this.say(
      fields([
        ["run", run.id],
        ["task", run.taskId],
        ["session", run.sessionId],
        ["status", run.status],
        ["attempt", run.attempt],
        ["waiting on", run.waitingOn ? describeWait(run.waitingOn) : null],
        ["continues", run.continuedFrom],
        ["continued as", run.continuedAs],
        ["replays", run.replayOf],
        ["created", relative(run.createdAt)],
        ["finished", relative(run.finishedAt)],
        ["payload", JSON.stringify(run.payload)],
        ["output", run.status === "completed" ? JSON.stringify(run.output) : null],
        ["error", run.error ? `${run.error.name}: ${run.error.message}` : null],
      ]),
    );
    return run;
  }
}
