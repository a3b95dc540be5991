import type { BulkActionRecord, BulkDryRun } from "@helmr/core";
import { Flags } from "@oclif/core";
import { BulkCommand } from "../../base/bulk-command.ts";
import { filterOf, runFilterFlags } from "../../format/bulk.ts";

export default class RunBulkCancel extends BulkCommand<typeof RunBulkCancel> {
  static override description =
    "Cancel every run a filter selects that has not ended, as a job, drawing its progress; --dry-run only counts them. Runs created after it began are left alone.";
  static override examples = [
    "<%= config.bin %> run bulk-cancel --task charge-card --status waiting --dry-run",
    '<%= config.bin %> run bulk-cancel --tag tenant:acme --created-before 2026-12-01T00:00:00Z --reason "incident 42"',
  ];
  static override flags = { ...runFilterFlags, reason: Flags.string({ description: "why, recorded on each cancelled run" }) };

  async run(): Promise<BulkDryRun | BulkActionRecord> {
    const filter = filterOf(this.flags);
    if (this.flags["dry-run"]) {
      return this.sayCounted(await this.client.runs.bulkCancel(filter, { dryRun: true }));
    }
    return this.followAction(await this.client.runs.bulkCancel(filter, this.flags.reason ? { reason: this.flags.reason } : {}), this.flags.detach);
  }
}
