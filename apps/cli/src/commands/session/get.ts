import type { SessionDetail, WaitRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { describeWait } from "../../format/waits.ts";
import { fields, table } from "../../format/table.ts";
import { relative } from "../../format/time.ts";

export default class SessionGet extends ApiCommand<typeof SessionGet> {
  static override description = "Show a session: its streams with entry counts, its runs, and what each parked run waits on.";
  static override examples = ["<%= config.bin %> session get ses_01J9Z8K3M4N5P6Q7", "<%= config.bin %> session get ses_01J9Z8K3M4N5P6Q7 --json"];
  static override args = { id: Args.string({ description: "session id", required: true }) };

  async run(): Promise<SessionDetail & { waits: WaitRecord[] }> {
    const [session, waits] = await Promise.all([this.client.sessions.retrieve(this.args.id), this.client.waits.list({ session: this.args.id, limit: 200 })]);
    const waitOf = new Map(waits.data.map((w) => [w.runId, w]));
    this.say(
      [
        fields([
          ["session", session.id],
          ["status", session.status],
          ["externalId", session.externalId],
          ["tags", session.tags.join(", ")],
          ["created", relative(session.createdAt)],
        ]),
        "",
        "Streams",
        table(
          ["KIND", "NAME", "ENTRIES"],
          [...session.streams.input.map((s) => ["input", s.name, s.count]), ...session.streams.output.map((s) => ["output", s.name, s.count])],
        ),
        "",
        "Runs",
        table(
          ["RUN", "TASK", "STATUS", "ATTEMPT", "CREATED", "WAITING ON"],
          session.runs.map((r) => [r.id, r.taskId, r.status, r.attempt, relative(r.createdAt), waitOf.has(r.id) ? describeWait(waitOf.get(r.id)!) : ""]),
        ),
      ].join("\n"),
    );
    return { ...session, waits: waits.data };
  }
}
