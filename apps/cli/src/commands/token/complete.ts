import type { TokenCompletion } from "@helmr/core";
import { Args, Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { readJsonSource } from "../../format/json-input.ts";

export default class TokenComplete extends ApiCommand<typeof TokenComplete> {
  static override description = "Complete a token with JSON data. The same data again returns the first completion; other data is refused.";
  static override examples = [
    "<%= config.bin %> token complete tok_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8 --data '{\"approved\":true}'",
    "<%= config.bin %> token complete tok_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8 --data-file decision.json",
    "echo '{\"approved\":false}' | <%= config.bin %> token complete tok_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8 --data -",
  ];
  static override args = { id: Args.string({ description: "token id", required: true }) };
  static override flags = {
    data: Flags.string({ description: "completion data as JSON (- reads standard input)" }),
    "data-file": Flags.string({ description: "file holding the completion data as JSON" }),
  };

  async run(): Promise<TokenCompletion> {
    const data = readJsonSource({ data: this.flags.data, dataFile: this.flags["data-file"], flag: "--data" });
    const completion = await this.client.tokens.complete(this.args.id, data);
    this.say(
      completion.firstCompletion ? `Completed ${completion.token.id}.` : `${completion.token.id} was already completed with the same data; nothing changed.`,
    );
    return completion;
  }
}
