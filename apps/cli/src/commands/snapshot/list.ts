import { bytes, SnapshotCommand } from "../../base/snapshot-command.ts";
import { table } from "../../format/table.ts";
import { relative } from "../../format/time.ts";

export default class SnapshotList extends SnapshotCommand<typeof SnapshotList> {
  static override description = "List the snapshots in the store, oldest first.";
  static override examples = ["<%= config.bin %> snapshot list", "<%= config.bin %> snapshot list --json"];

  async run() {
    const rows = await this.withSnapshots(async (snapshots) =>
      (await snapshots.list()).map(({ id, createdAt, kind, parent, sessions, tokens, bytes }) => ({
        id,
        createdAt,
        kind,
        parent,
        sessions,
        tokens,
        bytes,
        location: snapshots.store.locationOf(id),
      })),
    );
    this.say(
      table(
        ["SNAPSHOT", "CREATED", "KIND", "SESSIONS", "TOKENS", "SIZE"],
        rows.map((s) => [s.id, relative(s.createdAt), s.kind, s.sessions, s.tokens, bytes(s.bytes)]),
      ),
    );
    if (rows.length) this.say(`\nIn ${rows[0].location.replace(/[^/\\]+[/\\]$/, "")}`);
    return rows;
  }
}
