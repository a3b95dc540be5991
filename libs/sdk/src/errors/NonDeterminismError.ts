/**
 * Replay met a different durable operation at a journaled position: the task's code no
 * longer takes the path it took before it parked. Terminal: retrying replays the same way.
 */
export class NonDeterminismError extends Error {
  override name = "NonDeterminismError";
  constructor(
    readonly position: number,
    readonly recorded: string,
    readonly reached: string,
  ) {
    super(
      `Non-determinism at durable operation #${position}: the journal recorded ${recorded}, but the code now reached ${reached}. ` +
        "Code between durable operations must take the same path on replay; put side effects and " +
        "non-deterministic values (random, time, I/O) inside step.run().",
    );
  }
}
