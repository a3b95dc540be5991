import type { ReplayableRun } from "@helmr/broker";
import { parseRunId } from "@helmr/core";
import { dryReplay } from "../executor/dry-replay.ts";
import { collectTasks, type TaskDefinition } from "../task.ts";

// `@helmr/sdk/replay`: checking task code against the runs parked under older code, before
// a deploy (`helmr replay-check`), the dry replay a worker's upgrader runs on each of them.
export { workerVersion } from "../worker/version.ts";
export { collectTasks };

/** The runs of one task on one version, as a check of new code found them. */
export interface ReplayCheckGroup {
  taskId: string;
  version: string;
  /** Runs the code replays cleanly: they would move to it. */
  upgrade: number;
  /** Runs it does not: they stay on their version. */
  pinned: number;
  /** The first difference of a few of the pinned runs. */
  differences: { runId: string; position: number | null; recorded: string; reached: string }[];
}

export interface ReplayCheckReport {
  /** The version the checked code is (its fingerprint, unless named). */
  version: string;
  groups: ReplayCheckGroup[];
  /** Runs on the checked code's own version, or of tasks it does not define: not checked. */
  skipped: number;
}

/** How many differences a group names. */
const EXAMPLES = 3;

/** Dry-replays each run against the tasks' code (only `taskId`'s runs, when given), grouped by task and version. */
export async function replayCheck(
  tasks: Map<string, TaskDefinition>,
  runs: AsyncIterable<ReplayableRun>,
  options: { version: string; taskId?: string },
): Promise<ReplayCheckReport> {
  const groups = new Map<string, ReplayCheckGroup>();
  let skipped = 0;
  for await (const run of runs) {
    const task = tasks.get(run.taskId);
    if (!task || run.version === options.version || (options.taskId !== undefined && run.taskId !== options.taskId)) {
      skipped++;
      continue;
    }
    const key = `${run.taskId}\n${run.version}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { taskId: run.taskId, version: run.version, upgrade: 0, pinned: 0, differences: [] }));
    const identity = { id: run.runId, sessionId: parseRunId(run.runId).sessionId, taskId: run.taskId, attempt: 1 };
    const replay = await dryReplay(task, identity, run.payload, run.journal);
    if (replay.clean) {
      group.upgrade++;
      continue;
    }
    group.pinned++;
    if (group.differences.length < EXAMPLES)
      group.differences.push({ runId: run.runId, position: replay.position, recorded: replay.recorded, reached: replay.reached });
  }
  return { version: options.version, groups: [...groups.values()], skipped };
}
