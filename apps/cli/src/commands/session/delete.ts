import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";

export default class SessionDelete extends ApiCommand<typeof SessionDelete> {
  static override description =
    'Erase a session now: its runs are cancelled and its runs, streams, tokens and their entries in every list are deleted (a user\'s "forget me"). It cannot be undone.';
  static override examples = ["<%= config.bin %> session delete ses_01J9Z8K3M4N5P6Q7"];
  static override args = { id: Args.string({ description: "session id", required: true }) };

  async run(): Promise<{ deleted: string }> {
    await this.client.sessions.delete(this.args.id);
    this.say(`Erased session ${this.args.id}.`);
    return { deleted: this.args.id };
  }
}
