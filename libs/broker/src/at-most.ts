/** How many of a fan-out's operations (a batch's runs created, a cancelled parent's children cancelled) run at once: enough to fill the connection's pipeline, few enough to leave room for other work. */
export const FAN_OUT_AT_ONCE = 64;

/**
 * Calls `work` for each item, at most `limit` at a time, and resolves when all are done (or
 * rejects with the first error). For fan-outs like a batch's runs: all at once would queue
 * thousands of commands ahead of everything else on the connection.
 */
export async function forEachAtMost<T>(limit: number, items: readonly T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i], i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
