import type { ErrorIssue } from "@helmr/core";

/**
 * What a wait received (an input, a token's completion data) did not match the wait's
 * schema; `issues` names each problem by JSON Pointer. `source` says where it came from:
 * `input stream "approval"`, `token tok_…`.
 */
export class InputValidationError extends Error {
  override name = "InputValidationError";
  constructor(
    readonly source: string,
    readonly issues: ErrorIssue[],
  ) {
    super(`Data from ${source} does not match the schema: ${issues.map((i) => `${i.path || "/"} ${i.message}`).join("; ")}`);
  }
}
