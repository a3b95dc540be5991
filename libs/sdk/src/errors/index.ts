export { NonRetriableError } from "./NonRetriableError.ts";
export { NonDeterminismError } from "./NonDeterminismError.ts";
export { ConcurrentWaitError } from "./ConcurrentWaitError.ts";
export { WaitTimeoutError } from "./WaitTimeoutError.ts";
export { MaxDurationExceededError } from "./MaxDurationExceededError.ts";
export { RunCancelledError } from "./RunCancelledError.ts";
export { TokenFailedError } from "./TokenFailedError.ts";
export { ChildRunFailedError } from "./ChildRunFailedError.ts";
export { InputValidationError } from "./InputValidationError.ts";

/** Errors that fail a run at once: retrying would only repeat them. */
const TERMINAL = new Set(["NonRetriableError", "NonDeterminismError", "ConcurrentWaitError", "MaxDurationExceededError"]);

/** By name as well as class, so errors from another copy of the SDK are recognised too. */
export function isTerminalError(error: unknown): boolean {
  return error instanceof Error && TERMINAL.has(error.name);
}

export function serializeError(error: unknown): { name: string; message: string; stack?: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: "Error", message: typeof error === "string" ? error : (JSON.stringify(error) ?? String(error)) };
}
