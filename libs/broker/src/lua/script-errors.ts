import { HelmrError, conflict, notFound } from "@helmr/core";

/** Failure codes the Lua scripts return, listed once (CONTRIBUTING.md, Lua). */
export enum ScriptError {
  RunNotFound = -1,
  StaleExecution = -2,
  Cancelled = -3,
  SessionNotFound = -4,
  SessionClosed = -5,
  JournalConflict = -6,
  TokenNotFound = -7,
  TokenCompletedOtherwise = -8,
  TokenTimedOut = -9,
  TokenHasWaiter = -10,
  PublicTokenInvalid = -11,
  PublicTokenExhausted = -12,
  TokenFailed = -13,
  TokenDeleted = -14,
  RunNotFailed = -15,
  RunHasParent = -16,
}

/** Thrown into an execution whose writes Redis refused; the executor stops quietly. */
export class ExecutionRefusedError extends Error {
  override name = "ExecutionRefusedError";
  constructor(
    readonly code: ScriptError.StaleExecution | ScriptError.Cancelled | ScriptError.JournalConflict,
    runId: string,
  ) {
    super(
      code === ScriptError.Cancelled
        ? `run ${runId} was cancelled`
        : code === ScriptError.StaleExecution
          ? `run ${runId} is being executed elsewhere; this execution is stale`
          : `run ${runId}: the journal position was already written by another execution`,
    );
  }
}

/** Turns a negative script result into the typed error it stands for. */
export function scriptError(code: number, id: string): Error {
  switch (code) {
    case ScriptError.RunNotFound:
      return notFound("run", id);
    case ScriptError.SessionNotFound:
      return notFound("session", id);
    case ScriptError.SessionClosed:
      return conflict("session_closed", `Session ${id} is closed; it takes no new runs or input`);
    case ScriptError.TokenNotFound:
      return notFound("token", id);
    case ScriptError.TokenCompletedOtherwise:
      return conflict("token_already_completed", `Token ${id} was already completed (with other data); a token settles once`);
    case ScriptError.TokenFailed:
      return conflict("token_failed", `Token ${id} failed (with another error, if this was a failure); a failed token is final`);
    case ScriptError.TokenTimedOut:
      return conflict("token_timed_out", `Token ${id} timed out; it can no longer be completed`);
    case ScriptError.TokenDeleted:
      return new HelmrError(
        "gone",
        "token_deleted",
        `Token ${id} was created by this run, ended, and was deleted by retention (HELMR_TOKEN_RETENTION); a replay of the run cannot bring it back. Keep token retention longer than your runs stay parked`,
      );
    case ScriptError.RunNotFailed:
      return conflict("run_not_failed", `Run ${id} has not failed; only a failed run can be retried (replay runs any run again as a new run)`);
    case ScriptError.RunHasParent:
      return conflict(
        "run_has_parent",
        `Run ${id} is a child run: its parent was told of its failure and went on with it, so a retry's end would reach no one. Replay it, or retry the parent`,
      );
    case ScriptError.TokenHasWaiter:
      return conflict("token_has_waiter", `Another run already waits on token ${id}; a token unblocks one run`);
    case ScriptError.PublicTokenInvalid:
      return new HelmrError("unauthenticated", "unauthorized", "This public access token has expired or is not valid");
    case ScriptError.PublicTokenExhausted:
      return new HelmrError("forbidden", "token_exhausted", "This public access token has been used as many times as it allows (maxUses)");
    case ScriptError.StaleExecution:
    case ScriptError.Cancelled:
    case ScriptError.JournalConflict:
      return new ExecutionRefusedError(code, id);
    default:
      return new HelmrError("internal", "internal", `unexpected script result ${code} for ${id}`);
  }
}

export function isScriptError(result: unknown): result is number {
  return typeof result === "number" && result < 0;
}

/**
 * Failures that still wrote: a cancel requested during execution takes effect as the
 * write is refused (guardExecution), and a completion that comes too late marks its token
 * timed out. Every other failure is returned before the script writes anything.
 */
const FAILURES_THAT_WRITE = new Set<number>([ScriptError.Cancelled, ScriptError.TokenTimedOut]);

/** Whether a script's result says it may have changed what it touched. */
export function changed(result: unknown): boolean {
  return !isScriptError(result) || FAILURES_THAT_WRITE.has(result);
}
