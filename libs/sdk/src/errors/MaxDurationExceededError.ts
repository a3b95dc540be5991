/** A run was active (not parked) longer than its task's maxDuration. Terminal. */
export class MaxDurationExceededError extends Error {
  override name = "MaxDurationExceededError";
  constructor(readonly maxDurationMs: number) {
    super(`The run was active for longer than its maxDuration of ${maxDurationMs} ms (time parked does not count)`);
  }
}
