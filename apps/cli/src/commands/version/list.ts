import type { VersionList as Versions } from "@helmr/core";
import { ApiCommand } from "../../base/api-command.ts";
import { table } from "../../format/table.ts";
import { since } from "../../format/time.ts";

export default class VersionList extends ApiCommand<typeof VersionList> {
  static override description = "List the versions of task code workers have started: which one triggers start on, and the live workers of each.";
  static override examples = ["<%= config.bin %> version list", "<%= config.bin %> version list --json"];

  async run(): Promise<Versions> {
    const versions = await this.client.versions.list();
    this.say(
      table(
        ["VERSION", "CURRENT", "LIVE WORKERS", "FIRST STARTED", "LAST STARTED"],
        versions.data.map((v) => [
          v.version,
          v.current ? (v.promotedAt ? "yes (promoted)" : "yes") : "",
          String(v.liveWorkers),
          `${since(v.firstStartedAt)} ago`,
          `${since(v.lastStartedAt)} ago`,
        ]),
      ),
    );
    if (versions.data.length === 0) this.say("\nNo worker has started yet.");
    return versions;
  }
}
