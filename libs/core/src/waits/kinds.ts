import type { WaitingOn, WaitingOnBranch } from "./shapes.ts";

/**
 * The kinds of wait a run parks on, listed once, with what the waiting index needs of each;
 * how each reads in a line is below (describeWait). Each kind's stored shape, API view and
 * journal entry are in shapes.ts, its outcome's encoding in outcome.ts. This file imports
 * types only, so the dashboard's bundle takes it without zod (`@helmr/core/waits/kinds`).
 *
 * `indexFraction`: a waiting-index entry's score is when its wait began (ms) plus this
 * fraction, so the index counts its entries per kind without reading the runs (the
 * metrics): fractions a double holds exactly at millisecond times, and that never reach the
 * next millisecond, so the order by time stays (libs/broker/src/waiting-index.ts).
 */
export const WAIT_KIND_TABLE = {
  timer: { indexFraction: ".75" },
  input: { indexFraction: ".25" },
  token: { indexFraction: ".5" },
  run: { indexFraction: ".875" },
  batch: { indexFraction: ".9375" },
  first: { indexFraction: ".96875" },
} as const;

/** What a parked run waits on: a timer, an input, a token, a child run, a batch of child runs, or the first of several. */
export type WaitKind = keyof typeof WAIT_KIND_TABLE;

export const WAIT_KINDS = Object.keys(WAIT_KIND_TABLE) as [WaitKind, ...WaitKind[]];

/**
 * One line saying what a parked run waits on and until when, for the CLI (`helmr run get`,
 * `helmr wait list`), the dashboard and GET /waits (`summary`). Imports types only, so the
 * dashboard's bundle takes it without zod. `time` writes a deadline (the CLI says "in 5m",
 * the API an ISO time); `deadlines: false` leaves them out, for a table that has a column
 * of its own for them.
 */
export interface DescribeOptions {
  time?: (iso: string) => string;
  deadlines?: boolean;
}

export function describeWait(wait: WaitingOn, options: DescribeOptions = {}): string {
  const time = options.time ?? ((iso: string) => iso);
  const until = (deadline: string | null) => (deadline && options.deadlines !== false ? `, deadline ${time(deadline)}` : "");
  switch (wait.kind) {
    case "timer":
      return options.deadlines === false ? "timer" : `timer due ${time(wait.deadline)}`;
    case "input":
      return `input "${wait.stream}"${wait.correlationId ? ` (correlationId ${wait.correlationId})` : ""}${until(wait.deadline)}`;
    case "token":
      return `token ${wait.tokenId}${until(wait.deadline)}`;
    case "run":
      return `child run ${wait.childRunId}`;
    case "batch":
      return `a batch of ${wait.count} child runs (journal position ${wait.position})`;
    case "first":
      return `the first of: ${wait.branches.map((branch) => `${branch.key} (${describeBranch(branch, time, options.deadlines !== false)})`).join(", ")}`;
  }
}

function describeBranch(branch: WaitingOnBranch, time: (iso: string) => string, deadlines: boolean): string {
  switch (branch.kind) {
    case "input":
      return `input "${branch.stream}"${branch.correlationId ? ` (correlationId ${branch.correlationId})` : ""}`;
    case "token":
      return `token ${branch.tokenId}${deadlines ? `, deadline ${time(branch.deadline)}` : ""}`;
    case "run":
      return `child run ${branch.childRunId}`;
    case "timer":
      return deadlines ? `timer due ${time(branch.deadline)}` : "timer";
  }
}
