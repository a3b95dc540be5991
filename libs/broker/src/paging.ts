import type { Redis } from "ioredis";

/**
 * One page of a lex-sorted id index, newest first. Ids sort by creation time
 * (`@helmr/core` ids), so the cursor is simply the last id returned.
 */
export async function pageIds(redis: Redis, key: string, limit: number, cursor?: string): Promise<{ ids: string[]; next: string | null }> {
  const max = cursor ? `(${cursor}` : "+";
  const ids = await redis.zrevrangebylex(key, max, "-", "LIMIT", 0, limit + 1);
  const more = ids.length > limit;
  const page = more ? ids.slice(0, limit) : ids;
  return { ids: page, next: more ? page[page.length - 1] : null };
}

/** How many index entries a filtered listing reads at most for one page. */
const FILTER_SCAN_LIMIT = 2_000;

/**
 * A page of records from a lex-sorted id index, newest first: each id's hash is loaded,
 * turned into a record (null when it is gone) and kept if it matches. A filter that
 * matches rarely reads at most FILTER_SCAN_LIMIT entries, then hands back a cursor.
 */
export async function pageRecords<T>(
  redis: Redis,
  index: string,
  query: { limit: number; cursor?: string },
  keyOf: (id: string) => string,
  toRecord: (id: string, hash: Record<string, string>) => T | null,
): Promise<{ data: T[]; nextCursor: string | null }> {
  const data: T[] = [];
  let cursor = query.cursor;
  for (let scanned = 0; data.length < query.limit && scanned < FILTER_SCAN_LIMIT; ) {
    const { ids, next } = await pageIds(redis, index, query.limit, cursor);
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(keyOf(id));
    const hashes = ((await pipeline.exec()) ?? []).map(([error, hash]) => {
      if (error) throw error;
      return hash as Record<string, string>;
    });
    for (let i = 0; i < ids.length && data.length < query.limit; i++) {
      cursor = ids[i];
      const record = toRecord(ids[i], hashes[i]);
      if (record !== null) data.push(record);
    }
    scanned += ids.length;
    // The index is exhausted once a short page has been read to its end.
    if (ids.length === 0 || (next === null && cursor === ids.at(-1))) return { data, nextCursor: null };
  }
  return { data, nextCursor: cursor ?? null };
}
