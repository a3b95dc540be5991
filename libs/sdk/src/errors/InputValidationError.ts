import type { ErrorIssue } from "@helmr/core";

/** An input did not match its stream's schema; `issues` names each problem by JSON Pointer. */
export class InputValidationError extends Error {
  override name = "InputValidationError";
  constructor(
    readonly stream: string,
    readonly issues: ErrorIssue[],
  ) {
    super(`Input on stream "${stream}" does not match its schema: ${issues.map((i) => `${i.path || "/"} ${i.message}`).join("; ")}`);
  }
}
