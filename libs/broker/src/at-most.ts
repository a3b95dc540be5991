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
