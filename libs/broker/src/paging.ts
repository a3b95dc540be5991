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
