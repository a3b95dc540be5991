import { ChildRunFailedError, RunCancelledError, TokenFailedError, WaitTimeoutError } from "../errors/index.ts";
import type { WaitOutcome } from "./wait-result.ts";

/**
 * One journaled durable operation, as stored at its position (a line of the run's journal;
 * see ARCHITECTURE.md). `k` is the kind, `n` the name (a step's id, a stream's name, a
 * token's id), `c` a stream operation's correlationId (left out for none), `v` what replay
 * returns, `t` when a wait times out (for the run's events; replay never reads it).
 */
export type JournalEntry =
  | { k: "step"; n: string; v?: unknown }
  | { k: "timer"; dueAt: number }
  | { k: "input"; n: string; c?: string; t?: number }
  | { k: "once" | "on"; n: string; c?: string }
  | { k: "peek"; n: string; c?: string; v: unknown[] }
  | { k: "output"; n: string; v: string }
  | { k: "token" | "publicToken"; n: string }
  | { k: "tokenWait"; n: string; t?: number }
  | { k: "child"; n: string; w?: 1 }
  | { k: "batch"; v: string[]; w?: 1 }
  | { k: "first"; n: string; b: FirstEntryBranch[] };

/** A branch of waits.first as journaled: what it waits on, under its key (a timer's due time and a child's id fixed when first reached). */
export type FirstEntryBranch = { key: string } & (
  | { k: "input"; n: string; c?: string }
  | { k: "tokenWait"; n: string }
  | { k: "timer"; dueAt: number }
  | { k: "child"; n: string }
);

export type OperationKind = JournalEntry["k"];

/**
 * What replay compares at a position: the kind always, the name and correlationId where
 * the reached operation knows them (a created token's id is only known from the journal).
 */
export interface Operation {
  k: OperationKind;
  n?: string;
  c?: string;
}

export function describeOperation(operation: Operation): string {
  const name = operation.n === undefined ? "" : ` "${operation.n}"`;
  const corr = operation.c ? ` (correlationId "${operation.c}")` : "";
  switch (operation.k) {
    case "step":
      return `step${name}`;
    case "timer":
      return "a timer wait";
    case "input":
      return `a wait on input stream${name}${corr}`;
    case "once":
      return `once() on input stream${name}${corr}`;
    case "on":
      return `on() on input stream${name}${corr}`;
    case "peek":
      return `peek() of input stream${name}${corr}`;
    case "output":
      return `an append to output stream${name}`;
    case "token":
      return operation.n === undefined ? "tokens.create()" : `tokens.create() (token ${operation.n})`;
    case "publicToken":
      return "auth.createPublicToken()";
    case "tokenWait":
      return `a wait on token${name}`;
    case "child":
      return operation.n === undefined ? "a child run's trigger" : `a child run's trigger (run ${operation.n})`;
    case "batch":
      return "a batch trigger";
    case "first":
      return operation.n === undefined ? "waits.first()" : `waits.first(${operation.n})`;
  }
}

/** Same operation? Kind always; name and correlationId where the reached one has them. */
export function sameOperation(recorded: Operation, reached: Operation): boolean {
  return recorded.k === reached.k && (reached.n === undefined || recorded.n === reached.n) && (reached.c === undefined || (recorded.c ?? "") === reached.c);
}

/** A stored wait result back into an outcome, with the error class its name stands for. */
export function toWaitOutcome(stored: {
  ok: boolean;
  output?: unknown;
  error?: { name: string; message: string; code?: string; runId?: string; cause?: { name: string; message: string } | null };
}): WaitOutcome<unknown> {
  if (stored.ok) return { ok: true, output: stored.output };
  const { name, message, code, runId, cause } = stored.error ?? { name: "Error", message: "the wait failed" };
  const error =
    name === "WaitTimeoutError"
      ? new WaitTimeoutError(message)
      : name === "RunCancelledError"
        ? new RunCancelledError(message)
        : name === "TokenFailedError"
          ? new TokenFailedError(message, code)
          : name === "ChildRunFailedError"
            ? new ChildRunFailedError(message, runId ?? "", cause ?? null)
            : Object.assign(new Error(message), { name });
  return { ok: false, error };
}
