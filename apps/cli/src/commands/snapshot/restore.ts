import type { RestoreResult } from "@helmr/broker/snapshots";
import { isSnapshotId } from "@helmr/core";
import { Args, Flags } from "@oclif/core";
import { SingleBar } from "cli-progress";
import { SnapshotCommand } from "../../base/snapshot-command.ts";

export default class SnapshotRestore extends SnapshotCommand<typeof SnapshotRestore> {
  static override description =
    "Restore a snapshot (default: the newest) with the increments it builds on, into a Redis without Helmr data. Parked runs resume as before; timers keep their due times.";
  static override examples = [
    "<%= config.bin %> snapshot restore",
    "<%= config.bin %> snapshot restore snp_01JD7ZQ4XK3M8A2B --force",
    "<%= config.bin %> snapshot restore --json",
  ];
  static override args = {
    snapshot: Args.string({ description: "snapshot id (helmr snapshot list); default the newest" }),
  };
  static override flags = {
    force: Flags.boolean({ description: "replace the Helmr data this Redis already holds (it is deleted first)" }),
  };

  async run(): Promise<RestoreResult> {
    const { snapshot } = this.args;
    if (snapshot !== undefined && !isSnapshotId(snapshot))
      this.error(`"${snapshot}" is not a snapshot id (snp_ and 16 characters); \`helmr snapshot list\` shows them`, { exit: 1 });
    // A bar for people at a terminal; --json and pipes get only the result.
    const bar =
      !this.jsonEnabled() && process.stderr.isTTY
        ? new SingleBar({ format: "Restoring [{bar}] {percentage}% | {value}/{total} units", stream: process.stderr })
        : undefined;
    let started = false;
    const result = await this.withSnapshots((snapshots) =>
      snapshots.restore({
        snapshotId: snapshot,
        force: this.flags.force,
        onProgress: (done, total) => {
          if (!bar) return;
          if (!started) bar.start(total, 0);
          started = true;
          bar.update(done);
        },
      }),
    ).finally(() => bar?.stop());
    const { chain } = result;
    const from = chain.length === 1 ? `full snapshot ${chain[0]}` : `${result.snapshotId} (full ${chain.at(-1)} + ${chain.length - 1} increments)`;
    this.say(
      `Restored ${from}: ${result.sessions} sessions, ${result.tokens} tokens; ${result.jobs} run jobs re-added, ${result.settledTokens} runs resumed by tokens completed before the snapshot, in ${result.durationMs} ms`,
    );
    return result;
  }
}
