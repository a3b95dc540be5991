import { invalidCursor, isStreamCursorBefore, type Page } from "@helmr/core";
import type { ChainableCommander, Redis } from "ioredis";
import type { Logger } from "pino";
import type { Keys } from "./keys.ts";
import { batch, execOrThrow } from "./pipelines.ts";
import { groupByKey } from "./shards.ts";

/**
 * A page of ids, newest first, with the cursor that resumes after each one (for most
 * sources the id itself; for an id log, its stream entry id) and the cursor of the next
 * page (null on the last).
 */
export interface IdPage {
  ids: string[];
  cursors: string[];
  next: string | null;
}

/** Pages of ids, newest first, after a cursor taken from an earlier page. */
export type IdSource = (limit: number, cursor?: string) => Promise<IdPage>;

function pageOf(ids: string[], cursors: string[], limit: number): IdPage {
  const more = ids.length > limit;
  const page = more ? ids.slice(0, limit) : ids;
  const pageCursors = more ? cursors.slice(0, limit) : cursors;
  return { ids: page, cursors: pageCursors, next: more ? pageCursors[pageCursors.length - 1] : null };
}

/** A lex-sorted zset of ids (ids sort by creation time, `@helmr/core`): the per-tag indexes. */
export const lexIndex =
  (redis: Redis, key: string): IdSource =>
  async (limit, cursor) => {
    const ids = await redis.zrevrangebylex(key, cursor ? `(${cursor}` : "+", "-", "LIMIT", 0, limit + 1);
    return pageOf(ids, ids, limit);
  };

/**
 * Id logs: the global lists of sessions, runs and tokens. Ids are appended in creation
 * order to a Redis Stream and never rewritten, which a stream stores in ~30-50 bytes an
 * entry against ~130-145 for a sorted-set member (ARCHITECTURE.md: 1 KB per parked run). A
 * cursor is the stream entry id of the last id returned.
 */
const ID_FIELD = "i";

/** Queues an id's append; the reply is its entry id (what `removeFromIdLog` takes). */
export function appendToIdLog(pipeline: ChainableCommander, key: string, id: string, entryId = "*"): ChainableCommander {
  return pipeline.xadd(key, entryId, ID_FIELD, id);
}

export function removeFromIdLog(pipeline: ChainableCommander, key: string, entryId: string): ChainableCommander {
  return pipeline.xdel(key, entryId);
}

type StreamEntry = [id: string, fields: string[]];

/**
 * How far an id's log entry may be from its record's createdAt (the log's clock is Redis's,
 * createdAt the writer's, taken just before the append): looked for within the first
 * window, then the wider ones, so a removal reads a handful of entries, not the log.
 */
const LOG_SEARCH_WINDOWS_MS = [50, 2_000, 60_000];

/**
 * Takes ids out of an id log, each found near when it was created (its entry id is Redis's
 * time at the append). The windows of a batch are merged before reading, so ids created in
 * one burst (a thousand triggers in a few ms) share one read of that stretch of the log
 * rather than each reading it: one pipelined XRANGE per merged window and tier, then one XDEL.
 */
export async function removeIdsFromLog(redis: Redis, key: string, items: { id: string; createdAt: number }[]): Promise<void> {
  let missing = items;
  const entryIds: string[] = [];
  for (const window of LOG_SEARCH_WINDOWS_MS) {
    if (missing.length === 0) break;
    const ranges = mergedRanges(missing.map(({ createdAt }) => [Math.max(0, createdAt - window), createdAt + window]));
    const read = batch(redis);
    for (const [from, to] of ranges) read.xrange(key, from, to);
    const found = new Map<string, string>();
    for (const [error, entries] of (await read.exec()) ?? []) {
      if (error) throw error;
      for (const [entryId, fields] of entries as StreamEntry[]) found.set(fields[1], entryId);
    }
    missing = missing.filter(({ id }) => {
      const entryId = found.get(id);
      if (entryId) entryIds.push(entryId);
      return !entryId;
    });
  }
  for (let i = 0; i < entryIds.length; i += 1_000) await redis.xdel(key, ...entryIds.slice(i, i + 1_000));
}

/** Overlapping [from, to] ranges joined, in order. */
function mergedRanges(ranges: [number, number][]): [number, number][] {
  const merged: [number, number][] = [];
  for (const [from, to] of ranges.sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** Which of a shard's id logs (ShardKeys). */
export type IdLogName = "sessionsIndex" | "runsIndex" | "tokensIndex";

/**
 * One id log over every shard's copy of it, newest first: each shard's next entries are
 * merged by entry id, ties broken by shard (higher first). The cursor is the last entry's
 * id, followed by `.<shard>` when that is not shard 0 (so one shard's cursors are plain
 * entry ids): a shard after it in that order resumes before the id, a shard before it at
 * the id itself.
 */
export const idLog =
  (redis: Redis, keys: Keys, log: IdLogName): IdSource =>
  async (limit, cursor) => {
    const at = cursor === undefined ? null : parseLogCursor(cursor, keys.shards.length);
    const reads = batch(redis);
    for (const shard of keys.shards) {
      const end = at === null ? "+" : shard.shard < at.shard ? at.entryId : `(${at.entryId}`;
      reads.xrevrange(shard[log](), end, "-", "COUNT", limit + 1);
    }
    const merged = (await execOrThrow(reads))
      .flatMap((entries, shard) => (entries as StreamEntry[]).map(([entryId, fields]) => ({ entryId, order: entryOrder(entryId), shard, id: fields[1] })))
      .sort((a, b) => (a.order === b.order ? b.shard - a.shard : a.order < b.order ? 1 : -1))
      .slice(0, limit + 1);
    return pageOf(
      merged.map((entry) => entry.id),
      merged.map(({ entryId, shard }) => (shard === 0 ? entryId : `${entryId}.${shard}`)),
      limit,
    );
  };

function parseLogCursor(cursor: string, shards: number): { entryId: string; shard: number } {
  const [entryId, shardText, ...rest] = cursor.split(".");
  const shard = shardText === undefined ? 0 : /^[1-9]\d{0,3}$/.test(shardText) ? Number(shardText) : -1;
  if (rest.length || shard < 0 || shard >= shards || !isStreamCursorBefore(entryId)) throw invalidCursor();
  return { entryId, shard };
}

/** An entry id as one number that sorts as the id does. */
function entryOrder(entryId: string): bigint {
  const dash = entryId.indexOf("-");
  return (BigInt(entryId.slice(0, dash)) << 64n) + BigInt(entryId.slice(dash + 1));
}

/** Takes ids out of their shards' id logs (removeIdsFromLog, a shard at a time). */
export async function removeIdsFromLogs(redis: Redis, keys: Keys, log: IdLogName, items: { id: string; createdAt: number }[]): Promise<void> {
  const byLog = groupByKey(items, (item) => keys.shardOf(item.id)[log]());
  await Promise.all([...byLog].map(([key, shardItems]) => removeIdsFromLog(redis, key, shardItems)));
}

/** Every id of a log, oldest first, a batch at a time. */
export async function* idsOfLog(redis: Redis, key: string, batch = 5_000): AsyncGenerator<string[]> {
  let after = "-";
  for (;;) {
    const entries = (await redis.xrange(key, after === "-" ? "-" : `(${after}`, "+", "COUNT", batch)) as StreamEntry[];
    if (entries.length === 0) return;
    yield entries.map(([, fields]) => fields[1]);
    after = entries[entries.length - 1][0];
  }
}

/**
 * Ids kept as fields of a hash under given prefixes (a session's runs: `a:`/`f:`), turned
 * into ids by `toId` and sorted here: such a hash holds one session's runs, few enough to
 * read whole.
 */
export const hashFieldIds =
  (redis: Redis, key: string, prefixes: string[], toId: (name: string) => string = (name) => name): IdSource =>
  async (limit, cursor) => {
    const ids = (await redis.hkeys(key))
      .filter((field) => prefixes.some((prefix) => field.startsWith(prefix)))
      .map((field) => toId(field.slice(field.indexOf(":") + 1)))
      .filter((id) => cursor === undefined || id < cursor)
      .sort()
      .reverse();
    return pageOf(ids, ids, limit);
  };

/** How many index entries a filtered listing reads at most for one page. */
const FILTER_SCAN_LIMIT = 2_000;

/**
 * A page of records from an id source, newest first: each id's hash is loaded, turned
 * into a record (null when it is gone) and kept if it matches. A filter that matches
 * rarely reads at most FILTER_SCAN_LIMIT entries, then hands back a cursor.
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
    const { ids, cursors, next } = await source(query.limit, cursor);
    const pipeline = batch(redis);
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
    let last = -1;
    for (let i = 0; i < ids.length && data.length < query.limit; i++) {
      last = i;
      cursor = cursors[i];
      const record = toRecord(ids[i], hashes[i]);
      if (record !== null) data.push(record);
    }
    scanned += ids.length;
    // The source is exhausted once a last page has been read to its end.
    if (ids.length === 0 || (next === null && last === ids.length - 1)) return { data, nextCursor: null };
  }
  return { data, nextCursor: cursor ?? null };
}

/**
 * A record conversion for listings that skips, with a warning, a stored record it cannot
 * read (a hash damaged by hand, or written by a defect since fixed): one such record must
 * never make a whole listing fail for everyone.
 */
export function skippingUnreadable<T>(logger: Logger, what: string, toRecord: (id: string, hash: Record<string, string>) => T | null) {
  return (id: string, hash: Record<string, string>): T | null => {
    try {
      return toRecord(id, hash);
    } catch (error) {
      logger.warn({ id, err: error }, `skipping a stored ${what} that cannot be read`);
      return null;
    }
  };
}

/**
 * Pages of a list read whole (a run's events, its journal), whose cursor is the index of
 * the next item: the start a cursor names (422 for one no page handed out), checked
 * before anything is read, and the page from there.
 */
export function indexCursorStart(cursor: string | undefined): number {
  const start = cursor ? Number(cursor) : 0;
  if (!Number.isInteger(start) || start < 0) throw invalidCursor();
  return start;
}

export function indexPage<T>(items: T[], start: number, limit: number): Page<T> {
  return { data: items.slice(start, start + limit), nextCursor: start + limit < items.length ? String(start + limit) : null };
}
