import type { BulkActionRecord, BulkDryRun } from "@helmr/core";
import type { Command } from "@oclif/core";
import { followProgress } from "../format/bulk.ts";
import { ApiCommand } from "./api-command.ts";

/** A command that starts or follows a bulk action. */
export abstract class BulkCommand<T extends typeof Command> extends ApiCommand<T> {
  /** Says what a dry run counted. */
  protected sayCounted(dry: BulkDryRun): BulkDryRun {
    const done = dry.action === "cancel" ? "cancelled" : "replayed";
    this.say(`${dry.count} runs would be ${done}${dry.sample.length ? `, such as ${dry.sample.slice(0, 3).join(", ")}` : ""}. Nothing was changed.`);
    return dry;
  }

  /**
   * Follows the action to its end with a progress bar on stderr (none with --json), or
   * returns it as it is with `detach`; a failed action exits 1.
   */
  protected async followAction(action: BulkActionRecord, detach: boolean): Promise<BulkActionRecord> {
    if (detach) {
      this.say(`Started ${action.id}; follow it with \`helmr run bulk-status ${action.id} --wait\`.`);
      return action;
    }
    const quiet = this.jsonEnabled();
    const ended = await followProgress(() => this.client.bulkActions.retrieve(action.id), {
      tty: Boolean(process.stderr.isTTY),
      write: (text) => (quiet ? undefined : process.stderr.write(text)),
    });
    if (ended.status === "failed")
      this.error(`Bulk action ${ended.id} failed after ${ended.processed} runs; the runs it reached stay as it left them.`, { exit: 1 });
    const failures = ended.errors.map((failure) => `  ${failure.runId}: ${failure.message}`).join("\n");
    this.say(
      `Done: ${ended.succeeded} ${ended.action === "cancel" ? "cancelled" : "replayed"}, ${ended.skipped} skipped, ${ended.failed} failed.${failures ? `\n${failures}` : ""}`,
    );
    return ended;
  }
}
