import { RunCancelledError, WaitTimeoutError } from "../errors/index.ts";
import type { WaitOutcome } from "./wait-result.ts";

/** One journaled durable operation, as stored at its position (see ARCHITECTURE.md). */
export interface JournalEntry {
  /** Kind: "step", "timer", "input", "once", "on", "peek", "output". */
  k: string;
  /** Name: a step's id, a stream's name. */
  n?: string;
  /** CorrelationId of stream operations ("" for none). */
  c?: string;
  /** A step's value, a peek's inputs, an output's entry id. */
  v?: unknown;
  /** A timer's due time, fixed when the timer was first reached. */
  dueAt?: number;
}

export function describeEntry(entry: JournalEntry): string {
  const corr = entry.c ? ` (correlationId "${entry.c}")` : "";
  switch (entry.k) {
    case "step":
      return `step "${entry.n}"`;
    case "timer":
      return "a timer wait";
    case "output":
      return `an append to output stream "${entry.n}"`;
    default:
      return `input stream "${entry.n}" ${entry.k}${corr}`;
  }
}

/** Same operation? Kind always; name and correlationId where the reached one has them. */
export function sameOperation(recorded: JournalEntry, reached: JournalEntry): boolean {
  return recorded.k === reached.k && (reached.n === undefined || recorded.n === reached.n) && (reached.c === undefined || (recorded.c ?? "") === reached.c);
}

/** A stored wait result back into an outcome, with the error class its name stands for. */
export function toWaitOutcome(stored: { ok: boolean; output?: unknown; error?: { name: string; message: string } }): WaitOutcome<unknown> {
  if (stored.ok) return { ok: true, output: stored.output };
  const { name, message } = stored.error ?? { name: "Error", message: "the wait failed" };
  const error = name === "WaitTimeoutError" ? new WaitTimeoutError(message) : name === "RunCancelledError" ? new RunCancelledError(message) : Object.assign(new Error(message), { name });
  return { ok: false, error };
}
