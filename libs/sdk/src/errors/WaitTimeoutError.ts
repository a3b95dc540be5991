/** A wait's timeout fired before anything resolved it; `.unwrap()` throws this. */
export class WaitTimeoutError extends Error {
  override name = "WaitTimeoutError";
  constructor(message = "the wait timed out") {
    super(message);
  }
}
