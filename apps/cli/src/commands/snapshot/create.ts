import { Flags } from "@oclif/core";
import { bytes, SnapshotCommand } from "../../base/snapshot-command.ts";

export default class SnapshotCreate extends SnapshotCommand<typeof SnapshotCreate> {
  static override description = "Write a snapshot now (incremental unless --full or a full one is due) and print where it went.";
  static override examples = ["<%= config.bin %> snapshot create", "<%= config.bin %> snapshot create --full --json"];
  static override flags = {
    full: Flags.boolean({ description: "write a full snapshot, whatever the schedule says" }),
  };

  async run() {
    const { manifest, location, durationMs } = await this.withSnapshots((snapshots) => snapshots.create({ full: this.flags.full }));
    const { id, kind, createdAt, parent, sessions, tokens } = manifest;
    this.say(`Snapshot ${id} (${kind}, ${sessions} sessions, ${tokens} tokens, ${bytes(manifest.bytes)}) written to ${location} in ${durationMs} ms`);
    return { id, kind, createdAt, parent, sessions, tokens, bytes: manifest.bytes, location, durationMs };
  }
}
