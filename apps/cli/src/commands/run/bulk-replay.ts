import type { BulkActionRecord, BulkDryRun } from "@helmr/core";
import { BulkCommand } from "../../base/bulk-command.ts";
import { filterOf, runFilterFlags } from "../../format/bulk.ts";

export default class RunBulkReplay extends BulkCommand<typeof RunBulkReplay> {
  static override description =
    "Replay every run a filter selects (a new run of its task with its payload each, naming it), as a job, drawing its progress; --dry-run only counts them.";
  static override examples = ["<%= config.bin %> run bulk-replay --task charge-card --status failed --created-after 2026-12-07T09:00:00Z --dry-run"];
  static override flags = runFilterFlags;

  async run(): Promise<BulkDryRun | BulkActionRecord> {
    const filter = filterOf(this.flags);
    if (this.flags["dry-run"]) {
      return this.sayCounted(await this.client.runs.bulkReplay(filter, { dryRun: true }));
    }
    return this.followAction(await this.client.runs.bulkReplay(filter), this.flags.detach);
  }
}
