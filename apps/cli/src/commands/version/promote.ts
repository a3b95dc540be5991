import type { VersionList } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";

export default class VersionPromote extends ApiCommand<typeof VersionPromote> {
  static override description =
    "Make a version current: triggers from outside start on it (a rollback, say) until a worker of some version starts after this. Runs already started stay on their own.";
  static override examples = ["<%= config.bin %> version promote 2026-12-07.1"];
  static override args = { version: Args.string({ description: "a version workers have started (helmr version list)", required: true }) };

  async run(): Promise<VersionList> {
    const versions = await this.client.versions.promote(this.args.version);
    this.say(`Version ${this.args.version} is current: triggers start on it.`);
    return versions;
  }
}
