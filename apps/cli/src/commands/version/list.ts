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
        ["VERSION", "CURRENT", "LIVE WORKERS", "QUEUED", "RUNNING", "PARKED", "NOT UPGRADED", "FIRST STARTED", "STATE"],
        versions.data.map((v) => [
          v.version,
          v.current ? (v.promotedAt ? "yes (promoted)" : "yes") : "",
          String(v.liveWorkers),
          String(v.runs.queued),
          String(v.runs.running),
          v.runs.waiting === null ? "?" : String(v.runs.waiting),
          v.notUpgraded.runs === null ? "?" : String(v.notUpgraded.runs),
          `${since(v.firstStartedAt)} ago`,
          v.drained ? "drained: its workers can stop" : "",
        ]),
      ),
    );
    if (versions.data.length === 0) this.say("\nNo worker has started yet.");
    for (const v of versions.data)
      for (const e of v.notUpgraded.examples)
        this.say(`  ${e.runId} stays on ${v.version}: at position ${e.position ?? "?"} it has ${e.recorded}; ${e.version} reaches ${e.reached}`);
    if (versions.data.some((v) => v.runs.waiting === null)) this.say("\n?: parked runs are counted by an upgrading worker's walk, once a newer version runs.");
    return versions;
  }
}
