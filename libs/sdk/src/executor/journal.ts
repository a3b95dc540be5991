import { WAIT_ERRORS, type StoredOutcome } from "@helmr/core";
import { ChildRunFailedError, RunCancelledError, TokenFailedError, WaitTimeoutError } from "../errors/index.ts";
import type { WaitOutcome } from "./wait-result.ts";

/** The journal entry and its codec are core's (waits/shapes.ts), shared with the broker that stores and shows it. */
export type { FirstEntryBranch, JournalEntry, Operation, OperationKind } from "@helmr/core";
export { decodeEntry, describeOperation, sameOperation } from "@helmr/core";

/** A stored wait result back into an outcome, with the error class its name stands for. */
export function toWaitOutcome(stored: StoredOutcome): WaitOutcome<unknown> {
  if (stored.ok) return { ok: true, output: stored.output };
  const { name, message, code, runId, cause } = stored.error;
  const error =
    name === WAIT_ERRORS.timedOut
      ? new WaitTimeoutError(message)
      : name === WAIT_ERRORS.cancelled
        ? new RunCancelledError(message)
        : name === WAIT_ERRORS.tokenFailed
          ? new TokenFailedError(message, code)
          : name === WAIT_ERRORS.childFailed
            ? new ChildRunFailedError(message, runId ?? "", cause ?? null)
            : Object.assign(new Error(message), { name });
  return { ok: false, error };
}
