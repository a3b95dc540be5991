import { isSessionId, parseRunId, runIdIn, type RunFilter } from "@helmr/core";
import { hashFieldIds, idLog, type IdSource } from "./paging.ts";
import { batch, execOrThrow } from "./pipelines.ts";
import { hashOf, statusOf } from "./records.ts";
import type { Resources } from "./resources.ts";
import { SESSION_PARTS } from "./keys.ts";

/** The run fields a filter looks at. */
const FILTER_FIELDS = ["task", "status", "ver", "createdAt", "startedAt", "runAt"] as const;
/** How far a run's createdAt (the creating process's clock) may be from its place in the id log (Redis's clock). */
const CLOCK_SKEW_MS = 60_000;

export interface Selection {
  filter: RunFilter;
  /** Only runs in one of these statuses (a cancel selects active runs only). */
  statuses?: readonly string[];
  /** Only runs created up to this time (ms): a bulk action leaves runs created after it began alone. */
  createdUpTo: number;
}

export interface SelectedPage {
  ids: string[];
  /** Where the next page starts; null once the selection is read to its end. */
  cursor: string | null;
}

/**
 * The runs a filter selects, newest first, a page at a time from `cursor` (a page's
 * `cursor`, so a bulk action that died resumes where it was). The runs of a session are
 * read from its hash; every other filter walks the runs' id log, and stops once it is past
 * `createdAfter`.
 */
export async function* selectRuns(resources: Resources, selection: Selection, cursor?: string, pageSize = 200): AsyncGenerator<SelectedPage> {
  const { redis, keys } = resources;
  const { filter } = selection;
  // No such session: one empty last page (a walk always ends with one).
  if (filter.session !== undefined && !isSessionId(filter.session)) {
    yield { ids: [], cursor: null };
    return;
  }
  const session = filter.session;
  const source: IdSource = session
    ? hashFieldIds(redis, keys.session(session), [SESSION_PARTS.activeRun, SESSION_PARTS.finishedRun], (own) => runIdIn(session, own))
    : idLog(redis, keys, "runsIndex");
  const after = filter.createdAfter === undefined ? undefined : Date.parse(filter.createdAfter);
  const before = filter.createdBefore === undefined ? Infinity : Date.parse(filter.createdBefore);
  for (let next = cursor; ; ) {
    const page = await source(pageSize, next);
    const reads = batch(redis);
    for (const id of page.ids) reads.hmget(keys.run(id), ...FILTER_FIELDS);
    const hashes = ((await execOrThrow(reads)) as (string | null)[][]).map((values) => hashOf(FILTER_FIELDS, values));
    const tags = filter.tag === undefined ? undefined : await sessionTags(resources, page.ids);
    const now = Date.now();
    const ids = page.ids.filter((id, i) => {
      const hash = hashes[i];
      if (!hash.status) return false;
      const createdAt = Number(hash.createdAt);
      if (createdAt > selection.createdUpTo || createdAt >= before || (after !== undefined && createdAt < after)) return false;
      const status = statusOf(hash, now);
      if (selection.statuses && !selection.statuses.includes(status)) return false;
      if (filter.status !== undefined && status !== filter.status) return false;
      if (filter.task !== undefined && hash.task !== filter.task) return false;
      if (filter.version !== undefined && hash.ver !== filter.version) return false;
      return tags === undefined || (tags.get(parseRunId(id).sessionId)?.includes(filter.tag!) ?? false);
    });
    // The id log is in creation order: a page that ends before createdAfter ends the walk.
    const oldest = hashes.length ? Number(hashes[hashes.length - 1].createdAt) : Number.NaN;
    const pastAfter = !session && after !== undefined && oldest < after - CLOCK_SKEW_MS;
    const end = page.next === null || pastAfter;
    yield { ids, cursor: end ? null : page.next };
    if (end) return;
    next = page.next!;
  }
}

/** The tags of the sessions of these runs, read once each. */
async function sessionTags(resources: Resources, runIds: string[]): Promise<Map<string, string[]>> {
  const sessions = [...new Set(runIds.map((id) => parseRunId(id).sessionId))];
  const reads = batch(resources.redis);
  for (const sessionId of sessions) reads.hget(resources.keys.session(sessionId), "tags");
  const values = (await execOrThrow(reads)) as (string | null)[];
  return new Map(sessions.map((sessionId, i) => [sessionId, values[i] ? (JSON.parse(values[i]!) as string[]) : []]));
}
