import type { OutputEntry, Page } from "@helmr/core";
import { Args, Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";

export default class OutputRead extends ApiCommand<typeof OutputRead> {
  static override description = "Read a session output stream; --follow keeps printing entries as they are appended.";
  static override examples = [
    "<%= config.bin %> output read ses_01J9Z8K3M4N5P6Q7 events",
    "<%= config.bin %> output read ses_01J9Z8K3M4N5P6Q7 events --after 1700000000000-0 --follow",
  ];
  static override args = {
    session: Args.string({ description: "session id", required: true }),
    stream: Args.string({ description: "output stream name", required: true }),
  };
  static override flags = {
    after: Flags.string({ description: "entries after this entry id" }),
    limit: Flags.integer({ description: "how many (without --follow)", default: 100, min: 1, max: 200 }),
    follow: Flags.boolean({ char: "f", description: "tail the stream live (Ctrl-C stops)" }),
  };

  async run(): Promise<Page<OutputEntry>> {
    const output = this.client.sessions.open(this.args.session).output(this.args.stream);
    if (!this.flags.follow) {
      const page = await output.read({ after: this.flags.after, limit: this.flags.limit });
      for (const entry of page.data) this.say(line(entry));
      if (page.nextCursor) this.say(`\nMore: --after ${page.nextCursor}`);
      return page;
    }
    // Following: one JSON line per entry in --json mode, so a pipe can read them as they come.
    // (oclif mutes this.log under --json, so the lines are written directly.)
    for await (const entry of output.subscribe({ after: this.flags.after })) {
      process.stdout.write(`${this.jsonEnabled() ? JSON.stringify(entry) : line(entry)}\n`);
    }
    return { data: [], nextCursor: null };
  }
}

function line(entry: OutputEntry): string {
  return `${entry.id}  ${entry.at}  ${JSON.stringify(entry.data)}`;
}
