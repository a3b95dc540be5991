import type { TokenCompletion } from "@helmr/core";
import { Args, Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";

export default class TokenFail extends ApiCommand<typeof TokenFail> {
  static override description =
    "Fail a token: the run waiting on it resumes with a TokenFailedError carrying the message and code. Final: the same error again returns the first failure; completing it afterwards is refused.";
  static override examples = [
    "<%= config.bin %> token fail tok_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8 --message 'card declined'",
    "<%= config.bin %> token fail tok_01J9Z8K3M4N5P6Q7_01J9Z8K3M4N5P6Q8 --message 'card declined' --code card_declined",
  ];
  static override args = { id: Args.string({ description: "token id", required: true }) };
  static override flags = {
    message: Flags.string({ description: "what went wrong (the TokenFailedError's message)", required: true }),
    code: Flags.string({ description: "a code the waiting run can branch on (the TokenFailedError's code)" }),
  };

  async run(): Promise<TokenCompletion> {
    const error = this.flags.code === undefined ? { message: this.flags.message } : { message: this.flags.message, code: this.flags.code };
    const failed = await this.client.tokens.fail(this.args.id, { error });
    this.say(failed.firstCompletion ? `Failed ${failed.token.id}.` : `${failed.token.id} had already failed with the same error; nothing changed.`);
    return failed;
  }
}
