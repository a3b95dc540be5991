import { parseRunId, type RunStart } from "@helmr/core";
import { execWithScript, isScriptError, runScript, scriptError } from "../lua/index.ts";
import type { Resources } from "../resources.ts";

/** What `startExecution` decided for a job (lua/startExecution-2.lua). */
export type StartOutcome =
  | { status: "run"; fence: string; attempt: number; payload: unknown; activeMs: number; journal: Map<string, string> }
  | { status: "stale"; runStatus: string; expectedJob: string; runAt: number }
  | { status: "finished"; runStatus: string }
  | { status: "failed" };

/** What reaching an input wait did: took a buffered input, parked, or (no parking asked) found nothing. */
export type InputWaitOutcome =
  | { status: "consumed"; entryId: string; data: string }
  | { status: "parked"; timeoutJobId: string }
  | { status: "empty" };

export type FailOutcome = { status: "retry"; jobId: string; runAt: number } | { status: "failed" };

/** The wait a parked run records (run hash `wait`): what resolves it, and where its result goes. */
export type StoredWait =
  | { kind: "timer"; pos: number; since: number; dueAt: number }
  | { kind: "input"; pos: number; since: number; stream: string; corr: string; timeoutAt?: number }
  | { kind: "token"; pos: number; since: number; token: string; timeoutAt: number };

export type InputWait = Extract<StoredWait, { kind: "input" }>;

/** The waits a run parks on, in the shape the broker stores (the run's `wait` field), beginning now. */
export const storedWait = {
  timer: (pos: number, dueAt: number): StoredWait => ({ kind: "timer", pos, since: Date.now(), dueAt }),
  input: (pos: number, stream: string, corr: string, timeoutAt?: number): InputWait => ({ kind: "input", pos, since: Date.now(), stream, corr, ...(timeoutAt ? { timeoutAt } : {}) }),
  token: (pos: number, token: string, timeoutAt: number): StoredWait => ({ kind: "token", pos, since: Date.now(), token, timeoutAt }),
};

/**
 * The writes of one execution of a run, each fenced in Redis: a stale execution's write
 * is refused with ExecutionRefusedError and changes nothing.
 */
export class ExecutionsSystem {
  constructor(private readonly resources: Resources) {}

  /**
   * Starts an execution for a job. `claimed`: the job carried a claim (claimStart) but is
   * not starting from it (BullMQ delivered it again), so an execution may have been lost.
   */
  async start(runId: string, jobId: string, maxAttempts: number, claimed = false, now = Date.now()): Promise<StartOutcome> {
    const tagPrefix = this.resources.keys.tagPrefix(parseRunId(runId).sessionId);
    const result = await runScript<number | unknown[]>(this.resources.redis, "startExecution", this.runKeys(runId), [jobId, now, maxAttempts, runId, tagPrefix, claimed ? "1" : "0"]);
    if (isScriptError(result)) throw scriptError(result, runId);
    const [status, ...rest] = result as [string, ...unknown[]];
    switch (status) {
      case "run": {
        const [fence, attempt, payload, activeMs, flat, waitedSince] = rest as [number, number, string, string, string[], string?];
        this.resources.waiting.remove(runId, waitedSince);
        return { status, fence: String(fence), attempt: Number(attempt), payload: JSON.parse(payload), activeMs: Number(activeMs), journal: journalOf(flat) };
      }
      case "stale":
        return { status, runStatus: String(rest[0]), expectedJob: String(rest[1]), runAt: Number(rest[2]) };
      case "finished":
        return { status, runStatus: String(rest[0]) };
      default:
        return { status: "failed" };
    }
  }

  /**
   * An execution started from its job's claim, with no round trip: the run stays queued
   * until beginClaimed or the execution's first write, whichever lands first, begins the
   * execution (guardExecution). A refusal shows at the execution's next write, which is
   * fenced like any other.
   */
  startFromClaim(start: RunStart): StartOutcome {
    return { status: "run", fence: start.fence, attempt: start.attempt, payload: JSON.parse(start.payload), activeMs: start.activeMs, journal: journalOf(start.journal) };
  }

  /**
   * Marks a claimed execution running (lua/beginClaimed-2.lua), from `startedAt` on. Not
   * awaited: the caller sends it only for an execution still running without having
   * written once its code has had a first turn; quicker ones are begun by their first
   * write, which saves a script per resume.
   */
  beginClaimed(runId: string, fence: string, startedAt: number): void {
    runScript<number>(this.resources.redis, "beginClaimed", this.runKeys(runId), [fence, startedAt, runId]).catch(() => {});
  }

  /** Journals a durable operation's result; `result` marks a wait resolved on the spot. */
  async writeJournal(runId: string, fence: string, position: number | string, entry: string, result = "", now = Date.now()): Promise<void> {
    const outcome = await runScript<number>(this.resources.redis, "writeJournal", this.runKeys(runId), [fence, position, entry, result, now, runId]);
    if (isScriptError(outcome)) throw scriptError(outcome, runId);
  }

  /**
   * Reaches an input wait at `position`: consumes the oldest buffered input of
   * (stream, correlationId) or, with `park`, parks the run behind earlier waits on it.
   * `position` may be a sub-position ("3.0") for the inputs an `on()` subscription takes.
   */
  async waitForInput(
    runId: string,
    fence: string,
    position: number | string,
    entry: string,
    wait: InputWait,
    park: boolean,
    now = Date.now(),
  ): Promise<InputWaitOutcome> {
    const { keys, redis } = this.resources;
    const tagPrefix = keys.tagPrefix(parseRunId(runId).sessionId);
    const pipeline = redis.pipeline();
    // The waiting index is written ahead (a listing never misses a parked run) and taken back when the run did not park.
    // Its score is the wait's `since`, which the script that ends the wait reports back.
    if (park) this.resources.waiting.add(pipeline, runId, wait.since);
    const { outcome } = await execWithScript<number | [string, string?, string?]>(pipeline, "waitForInput", this.runKeys(runId), [
      fence,
      position,
      entry,
      JSON.stringify(wait),
      wait.timeoutAt ?? "",
      now,
      runId,
      tagPrefix,
      wait.stream,
      wait.corr,
      park ? "1" : "0",
    ]);
    if (park && (isScriptError(outcome) || outcome[0] !== "parked")) this.resources.waiting.remove(runId, wait.since);
    if (isScriptError(outcome)) throw scriptError(outcome, runId);
    if (outcome[0] === "consumed") return { status: "consumed", entryId: outcome[1]!, data: outcome[2]! };
    if (outcome[0] === "parked") return { status: "parked", timeoutJobId: outcome[1]! };
    return { status: "empty" };
  }

  /** Appends to an output stream and journals it, atomically; returns the entry id. */
  async appendOutput(runId: string, fence: string, position: number, stream: string, data: string, now = Date.now()): Promise<string> {
    const { sessionId } = parseRunId(runId);
    const outcome = await runScript<number | string>(
      this.resources.redis,
      "appendOutput",
      [...this.runKeys(runId), this.resources.keys.outputStream(sessionId, stream)],
      [fence, position, stream, data, now, runId],
    );
    if (isScriptError(outcome)) throw scriptError(outcome, runId);
    return String(outcome);
  }

  /** Parks the run; returns the id of the job that wakes it ("" when none is needed). */
  async park(runId: string, fence: string, position: number, entry: string, wait: StoredWait, wakeAt: number | null, now = Date.now()): Promise<string> {
    const pipeline = this.resources.waiting.add(this.resources.redis.pipeline(), runId, wait.since);
    const { outcome } = await execWithScript<number | [string]>(pipeline, "parkRun", this.runKeys(runId), [fence, position, entry, JSON.stringify(wait), wakeAt === null ? "" : wakeAt, now, runId]);
    if (isScriptError(outcome)) {
      this.resources.waiting.remove(runId, wait.since);
      throw scriptError(outcome, runId);
    }
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

  /** [run hash, session hash]: the KEYS most run scripts take (the journal and events are fields of the run hash). */
  private runKeys(runId: string): string[] {
    const { keys } = this.resources;
    return [keys.run(runId), keys.session(parseRunId(runId).sessionId)];
  }
}

function journalOf(flat: string[]): Map<string, string> {
  const journal = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) journal.set(flat[i], flat[i + 1]);
  return journal;
}

/** A claiming script's claim (lua/includes/claimStart.lua) as job data; undefined when it did not claim. */
export function claimOf(reply: unknown): RunStart | undefined {
  if (!Array.isArray(reply) || reply.length === 0) return undefined;
  const [fence, attempt, payload, activeMs, journal] = reply as [number, string, string, string, string[]];
  return { fence: String(fence), attempt: Number(attempt), payload, activeMs: Number(activeMs), journal };
}
