import type { RunRecord } from "@helmr/core";
import type { HelmrClient } from "@helmr/sdk";
import { eventually } from "./poll.ts";

/** Polls the API until the run has one of the statuses, and returns it. */
export function runReaches(client: HelmrClient, runId: string, ...statuses: RunRecord["status"][]): Promise<RunRecord> {
  return runReachesWithin(10_000, client, runId, ...statuses);
}

/** runReaches with its own deadline, for runs that wait on something slow (a lock to expire). */
export function runReachesWithin(timeoutMs: number, client: HelmrClient, runId: string, ...statuses: RunRecord["status"][]): Promise<RunRecord> {
  return eventually(
    async () => {
      const run = await client.runs.retrieve(runId);
      return statuses.includes(run.status) && run;
    },
    { timeoutMs, what: `run ${runId} to be ${statuses.join(" or ")}` },
  );
}

export const FINISHED: RunRecord["status"][] = ["completed", "failed", "cancelled"];
