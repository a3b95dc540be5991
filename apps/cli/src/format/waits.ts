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
  }
}
