import type { RunFlow, RunJob, RunStart } from "@helmr/core";

/** A claim as lua/includes/claimStart.lua returns it (`claimOf`). */
type ClaimReply = [number, string, string, string, string, string[], string | number, string, string?, string?, string?, string?, string?];

/**
 * A claiming script's claim (lua/includes/claimStart.lua: the field a reply's header types
 * `claim:list`) as job data; undefined when it did not claim. The claim is a nested table of
 * its own, decoded here for every script that returns one.
 */
export function claimOf(reply: unknown): RunStart | undefined {
  if (!Array.isArray(reply) || reply.length === 0) return undefined;
  const [fence, attempt, activeMs, carried, payload, journal, position, result, parent, , , schedule] = reply as ClaimReply;
  return {
    fence: String(fence),
    attempt: Number(attempt),
    activeMs: Number(activeMs),
    ...(carried === "1" ? { history: { payload, journal } } : {}),
    ...(position !== "" ? { resumed: { position: Number(position), result } } : {}),
    ...(parent ? { parent } : {}),
    ...(schedule ? { schedule } : {}),
  };
}

/** The job of a run a script just queued and claimed: on the queue of the version the run runs on, starting from the claim. */
export function jobOfClaim(runId: string, taskId: string, reply: unknown): RunJob {
  const [version, flow, traceparent] = Array.isArray(reply) ? [(reply as ClaimReply)[9], (reply as ClaimReply)[10], (reply as ClaimReply)[12]] : [];
  const start = claimOf(reply);
  // No flow with a claim means none: a worker reads the run's only for a job without either.
  // A traced run's claim names its trace, so its worker need not read it (tracing.ts).
  return {
    runId,
    taskId,
    ...(version ? { version } : {}),
    ...(start ? { start } : {}),
    ...(flow ? { flow: JSON.parse(flow) as RunFlow } : {}),
    ...(traceparent ? { trace: { parent: traceparent } } : {}),
  };
}
