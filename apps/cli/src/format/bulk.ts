import type { BulkActionRecord, RunFilter } from "@helmr/core";
import { RunStatus } from "@helmr/core";
import { Flags } from "@oclif/core";

/** The filter flags of `helmr run bulk-cancel` and `bulk-replay`: the API's run filter, a flag each. */
export const runFilterFlags = {
  task: Flags.string({ description: "runs of this task" }),
  status: Flags.string({ description: "runs in this status", options: RunStatus.options }),
  session: Flags.string({ description: "runs of this session" }),
  tag: Flags.string({ description: "runs whose session has this tag" }),
  version: Flags.string({ description: "runs on this version of the task code" }),
  "created-after": Flags.string({ description: "runs created at or after this time (ISO 8601)" }),
  "created-before": Flags.string({ description: "runs created before this time (ISO 8601)" }),
  "dry-run": Flags.boolean({ description: "count the runs the filter selects, and change nothing" }),
  detach: Flags.boolean({ description: "start the action and return at once (`helmr run bulk-status <id>` follows it)" }),
};

type FilterFlags = { [K in keyof typeof runFilterFlags]?: unknown };

export function filterOf(flags: FilterFlags): RunFilter {
  const entries = {
    task: flags.task,
    status: flags.status,
    session: flags.session,
    tag: flags.tag,
    version: flags.version,
    createdAfter: flags["created-after"],
    createdBefore: flags["created-before"],
  };
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as RunFilter;
}

const BAR_WIDTH = 30;

/** One line of progress: a bar of what is done out of what was selected, and how it went. */
export function progressLine(action: BulkActionRecord): string {
  const { total, processed } = action;
  // Runs that ended between the count and the walk are not reached: an action that ended is done.
  const done = action.status !== "running" ? 1 : total ? Math.min(1, processed / total) : 0;
  const filled = Math.round(done * BAR_WIDTH);
  const counts = `${action.action === "cancel" ? "cancelled" : "replayed"} ${action.succeeded}, skipped ${action.skipped}, failed ${action.failed}`;
  return `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${processed}/${total ?? "?"} ${counts}`;
}

const POLL_MS = 250;

/**
 * Follows an action until it ends, drawing its progress: redrawn in place on a terminal,
 * a line per change otherwise (a log, a pipe).
 */
export async function followProgress(read: () => Promise<BulkActionRecord>, draw: { tty: boolean; write: (text: string) => void }): Promise<BulkActionRecord> {
  let last = "";
  for (;;) {
    const action = await read();
    const line = progressLine(action);
    if (line !== last) draw.write(draw.tty ? `\r${line}` : `${line}\n`);
    last = line;
    if (action.status !== "running") {
      if (draw.tty) draw.write("\n");
      return action;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
