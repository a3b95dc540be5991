import type { WaitingOn } from "@helmr/core";
import { relative } from "./time.ts";

/** One line saying what a parked run waits on and until when. */
export function describeWait(wait: WaitingOn): string {
  const deadline = wait.deadline ? `, deadline ${relative(wait.deadline)}` : "";
  switch (wait.kind) {
    case "timer":
      return `timer due ${relative(wait.deadline)}`;
    case "input":
      return `input "${wait.stream}"${wait.correlationId ? ` (correlationId ${wait.correlationId})` : ""}${deadline}`;
    case "token":
      return `token ${wait.tokenId}${deadline}`;
    case "run":
      return `child run ${wait.runId}`;
    case "batch":
      return `a batch of ${wait.count} child runs (journal position ${wait.position})`;
    case "first":
      return `the first of: ${wait.branches.map((branch) => `${branch.key} (${describeBranch(branch)})`).join(", ")}`;
  }
}

type Branch = Extract<WaitingOn, { kind: "first" }>["branches"][number];

function describeBranch(branch: Branch): string {
  switch (branch.kind) {
    case "input":
      return `input "${branch.stream}"${branch.correlationId ? ` (correlationId ${branch.correlationId})` : ""}`;
    case "token":
      return `token ${branch.tokenId}, deadline ${relative(branch.deadline)}`;
    case "run":
      return `child run ${branch.runId}`;
    case "timer":
      return `timer due ${relative(branch.deadline)}`;
  }
}
