import type { SendInputResult } from "@helmr/core";
import { Args, Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { readJsonSource } from "../../format/json-input.ts";

export default class InputSend extends ApiCommand<typeof InputSend> {
  static override description = "Send input to a session stream: it resumes the run waiting on it, or waits buffered for the next wait.";
  static override examples = [
    "<%= config.bin %> input send ses_01J9Z8K3M4N5P6Q7 approval --data '{\"decision\":\"approve\"}' --correlation-id 'github:acme/site#7'",
  ];
  static override args = {
    session: Args.string({ description: "session id", required: true }),
    stream: Args.string({ description: "input stream name", required: true }),
  };
  static override flags = {
    data: Flags.string({ description: "the input as JSON (- reads standard input)" }),
    "data-file": Flags.string({ description: "file holding the input as JSON" }),
    "correlation-id": Flags.string({ description: "only a wait with this correlationId takes it" }),
  };

  async run(): Promise<SendInputResult> {
    const data = readJsonSource({ data: this.flags.data, dataFile: this.flags["data-file"], flag: "--data" });
    const result = await this.client.sessions.open(this.args.session).input(this.args.stream).send(data, { correlationId: this.flags["correlation-id"] });
    this.say(
      result.status === "resumed" ? `Delivered ${result.entryId}: resumed run ${result.runId}.` : `Delivered ${result.entryId}: buffered for the next wait.`,
    );
    return result;
  }
}
