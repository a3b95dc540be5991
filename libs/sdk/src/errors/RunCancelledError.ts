/** The run was cancelled while this wait was pending. */
export class RunCancelledError extends Error {
  override name = "RunCancelledError";
  constructor(message = "the run was cancelled") {
    super(message);
  }
}
