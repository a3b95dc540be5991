import type { ErrorIssue } from "@helmr/core";

/** An error answer from the Helmr API, in the one error shape. */
export class HelmrApiError extends Error {
  override name = "HelmrApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ErrorIssue[] = [],
  ) {
    super(message);
  }

  static is(error: unknown): error is HelmrApiError {
    return error instanceof Error && error.name === "HelmrApiError" && "status" in error;
  }
}

/** The API could not be reached at all (connection refused, DNS, aborted). */
export class HelmrConnectionError extends Error {
  override name = "HelmrConnectionError";
}
