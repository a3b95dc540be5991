import { parseRunId } from "@helmr/core";
import { isScriptError, runScript, scriptError } from "../lua/index.ts";
import type { Resources } from "../resources.ts";

/** What `startExecution` decided for a job (lua/startExecution-4.lua). */
export type StartOutcome =
  | { status: "run"; fence: string; attempt: number; payload: unknown; activeMs: number; journal: Map<string, string> }
  | { status: "stale"; runStatus: string; expectedJob: string; runAt: number }
  | { status: "finished"; runStatus: string }
  | { status: "failed" };

export type FailOutcome = { status: "retry"; jobId: string; runAt: number } | { status: "failed" };

/** The wait a parked run records: what resolves it, and where its result goes. */
export interface StoredWait {
  kind: "timer";
  pos: number;
  dueAt: number;
}

/**
 * The writes of one execution of a run, each fenced in Redis: a stale execution's write
 * is refused with ExecutionRefusedError and changes nothing.
 */
export class ExecutionsSystem {
  constructor(private readonly resources: Resources) {}

  async start(runId: string, jobId: string, maxAttempts: number, now = Date.now()): Promise<StartOutcome> {
    const result = await runScript<number | unknown[]>(this.resources.redis, "startExecution", this.runKeys(runId, "journal"), [jobId, now, maxAttempts, runId]);
    if (isScriptError(result)) throw scriptError(result, runId);
    const [status, ...rest] = result as [string, ...unknown[]];
    switch (status) {
      case "run": {
        const [fence, attempt, payload, activeMs, flat] = rest as [number, number, string, string, string[]];
        const journal = new Map<string, string>();
        for (let i = 0; i < flat.length; i += 2) journal.set(flat[i], flat[i + 1]);
        return { status, fence: String(fence), attempt: Number(attempt), payload: JSON.parse(payload), activeMs: Number(activeMs), journal };
      }
      case "stale":
        return { status, runStatus: String(rest[0]), expectedJob: String(rest[1]), runAt: Number(rest[2]) };
      case "finished":
        return { status, runStatus: String(rest[0]) };
      default:
        return { status: "failed" };
    }
  }

  /** Journals a durable operation's result; `result` marks a wait resolved on the spot. */
  async journalWrite(runId: string, fence: string, position: number, entry: string, result = "", now = Date.now()): Promise<void> {
    const outcome = await runScript<number>(this.resources.redis, "journalWrite", this.runKeys(runId, "journal"), [fence, position, entry, result, now, runId]);
    if (isScriptError(outcome)) throw scriptError(outcome, runId);
  }

  /** Parks the run; returns the id of the job that wakes it ("" when none is needed). */
  async park(runId: string, fence: string, position: number, entry: string, wait: StoredWait, wakeAt: number | null, now = Date.now()): Promise<string> {
    const outcome = await runScript<number | [string]>(this.resources.redis, "parkRun", this.runKeys(runId, "journal"), [
      fence,
      position,
      entry,
      JSON.stringify(wait),
      wakeAt === null ? "" : wakeAt,
      now,
      runId,
    ]);
    if (isScriptError(outcome)) throw scriptError(outcome, runId);
    return outcome[0];
  }

  async complete(runId: string, fence: string, output: string, now = Date.now()): Promise<void> {
    const outcome = await runScript<number>(this.resources.redis, "completeRun", this.runKeys(runId), [fence, output, now, runId]);
    if (isScriptError(outcome)) throw scriptError(outcome, runId);
  }

  async fail(runId: string, fence: string, error: string, retry: { retryable: boolean; maxAttempts: number; delayMs: number }, now = Date.now()): Promise<FailOutcome> {
    const outcome = await runScript<number | [string, string?, string?]>(this.resources.redis, "failAttempt", this.runKeys(runId), [
      fence,
      error,
      retry.retryable ? "1" : "0",
      retry.maxAttempts,
      retry.delayMs,
      now,
      runId,
    ]);
    if (isScriptError(outcome)) throw scriptError(outcome, runId);
    return outcome[0] === "retry" ? { status: "retry", jobId: outcome[1]!, runAt: Number(outcome[2]) } : { status: "failed" };
  }

  /** Gives a running run back to the queue without spending an attempt; returns its new job id. */
  async release(runId: string, fence: string, now = Date.now()): Promise<string> {
    const outcome = await runScript<number | [string]>(this.resources.redis, "releaseExecution", this.runKeys(runId), [fence, now, runId]);
    if (isScriptError(outcome)) throw scriptError(outcome, runId);
    return outcome[0];
  }

  /** [run, (journal,) events, session active runs]: the KEYS most run scripts take. */
  private runKeys(runId: string, withJournal?: "journal"): string[] {
    const { keys } = this.resources;
    const { sessionId } = parseRunId(runId);
    const base = withJournal ? [keys.run(runId), keys.journal(runId)] : [keys.run(runId)];
    return [...base, keys.runEvents(runId), keys.sessionActiveRuns(sessionId)];
  }
}
