/** A child run a run waited on (`triggerAndWait`) failed after its retries, or was cancelled; `.unwrap()` throws this. */
export class ChildRunFailedError extends Error {
  override name = "ChildRunFailedError";
  constructor(
    message: string,
    /** The child run. */
    readonly runId: string,
    /** The child's own error (its name and message), as its run record shows it. */
    override readonly cause: { name: string; message: string } | null,
  ) {
    super(cause ? `${message}: ${cause.name}: ${cause.message}` : message);
  }
}
