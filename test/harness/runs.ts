import type { HelmrEngine } from "@helmr/broker";
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

/** A new session with `count` runs of `taskId` triggered in it through the engine (the model tests then drive each run by hand). */
export async function sessionWithRuns(engine: HelmrEngine, taskId: string, count: number): Promise<{ sessionId: string; runIds: string[] }> {
  const { session } = await engine.sessions.create({});
  const runIds: string[] = [];
  for (let i = 0; i < count; i++) runIds.push((await engine.runs.trigger(taskId, { sessionId: session.id })).runId);
  return { sessionId: session.id, runIds };
}
