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

/** Pages of ids, newest first, after a cursor (the last id of the page before). */
export type IdSource = (limit: number, cursor?: string) => Promise<{ ids: string[]; next: string | null }>;

/** A lex-sorted zset index of ids. */
export const lexIndex = (redis: Redis, key: string): IdSource => (limit, cursor) => pageIds(redis, key, limit, cursor);

/**
 * Ids kept as fields of a hash under given prefixes (a session's runs: `a:`/`f:`), sorted
 * here: such a hash holds one session's runs, few enough to read whole.
 */
export const hashFieldIds = (redis: Redis, key: string, prefixes: string[]): IdSource => async (limit, cursor) => {
  const ids = (await redis.hkeys(key))
    .filter((field) => prefixes.some((prefix) => field.startsWith(prefix)))
    .map((field) => field.slice(field.indexOf(":") + 1))
    .filter((id) => cursor === undefined || id < cursor)
    .sort()
    .reverse();
  const page = ids.slice(0, limit);
  return { ids: page, next: ids.length > limit ? page[page.length - 1] : null };
};

/** How many index entries a filtered listing reads at most for one page. */
const FILTER_SCAN_LIMIT = 2_000;

/**
 * A page of records from a lex-sorted id index, newest first: each id's hash is loaded,
 * turned into a record (null when it is gone) and kept if it matches. A filter that
 * matches rarely reads at most FILTER_SCAN_LIMIT entries, then hands back a cursor.
 */
export async function pageRecords<T>(
  redis: Redis,
  source: IdSource,
  query: { limit: number; cursor?: string },
  keyOf: (id: string) => string,
  toRecord: (id: string, hash: Record<string, string>) => T | null,
  /** Read only these fields (HMGET) instead of the whole hash. */
  fields?: readonly string[],
): Promise<{ data: T[]; nextCursor: string | null }> {
  const data: T[] = [];
  let cursor = query.cursor;
  for (let scanned = 0; data.length < query.limit && scanned < FILTER_SCAN_LIMIT; ) {
    const { ids, next } = await source(query.limit, cursor);
    const pipeline = redis.pipeline();
    for (const id of ids) {
      if (fields) pipeline.hmget(keyOf(id), ...fields);
      else pipeline.hgetall(keyOf(id));
    }
    const hashes = ((await pipeline.exec()) ?? []).map(([error, result]) => {
      if (error) throw error;
      if (!fields) return result as Record<string, string>;
      const hash: Record<string, string> = {};
      fields.forEach((field, i) => {
        const value = (result as (string | null)[])[i];
        if (value !== null) hash[field] = value;
      });
      return hash;
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
