/** What every wait resolves to: the value, or the reason there is none. */
export type WaitOutcome<T> = { ok: true; output: T } | { ok: false; error: Error };

/**
 * A thenable over a wait's outcome: `await wait` gives `{ ok, output | error }`,
 * `await wait.unwrap()` gives the output or throws the error.
 */
export class WaitResult<T> implements PromiseLike<WaitOutcome<T>> {
  constructor(private readonly outcome: Promise<WaitOutcome<T>>) {}

  // biome-ignore lint/suspicious/noThenProperty: a wait is awaited directly by design (`await wait` gives its outcome).
  then<A = WaitOutcome<T>, B = never>(
    onFulfilled?: ((value: WaitOutcome<T>) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.outcome.then(onFulfilled, onRejected);
  }

  async unwrap(): Promise<T> {
    const outcome = await this.outcome;
    if (outcome.ok) return outcome.output;
    throw outcome.error;
  }
}
