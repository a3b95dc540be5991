import type { StoredWait } from "@helmr/core";

/**
 * Everything one execution of a run can end in. The job processor has a handler for
 * every case (worker/outcome-handlers.ts); adding a case without one fails to compile.
 */
export type ExecutionOutcome =
  /** The task returned. */
  | { kind: "completed"; output: unknown }
  /** The task called ctx.continueAsNew(payload): the run goes on as a new one from `payload`. */
  | { kind: "continued"; payload: unknown }
  /** The task threw (retried per the task's policy unless the error is terminal). */
  | { kind: "failed"; error: unknown }
  /**
   * The run parked on a wait; the handler ensures the wake-up job (none when wakeJobId is "").
   * `warm`: the execution stays in this worker's memory, to be continued from the wait.
   */
  | { kind: "parked"; wait: StoredWait; wakeJobId: string; wakeAt: number; warm: boolean }
  /** Redis refused this execution's writes: another execution holds the run, or it was cancelled. */
  | { kind: "refused"; reason: "stale" | "cancelled" }
  /** The run's active time passed its task's maxDuration. */
  | { kind: "timedOut"; maxDurationMs: number }
  /** The worker is shutting down and handed the run back to the queue as `jobId`. */
  | { kind: "released"; jobId: string }
  /** A write to Redis failed (not refused): the job is retried, and its retry finds the run's state. */
  | { kind: "crashed"; error: unknown }
  /**
   * A dry replay (dry-replay.ts) reached where the code would go live: the journal's end, or
   * its pending wait. `claimed`: how many positions the code had claimed by then.
   */
  | { kind: "replayed"; claimed: number };

export type OutcomeKind = ExecutionOutcome["kind"];
export type OutcomeHandlers = { [K in OutcomeKind]: (outcome: Extract<ExecutionOutcome, { kind: K }>) => Promise<void> };
