import {
  describeWait,
  invalidCursor,
  isRunId,
  isSessionId,
  parseRunId,
  parseStoredWait,
  toWaitingOn,
  type Page,
  type WaitListQuery,
  type WaitRecord,
} from "@helmr/core";
import type { Resources } from "../resources.ts";
import { execOrThrow, batch } from "../pipelines.ts";
import { activeRunIds } from "./sessions.ts";
import type { WaitingPosition } from "../waiting-index.ts";

/**
 * Pending waits for operators. A run's wait lives in its hash (`wait`); the global index of
 * waiting runs (waiting-index.ts) is written ahead of parking and may hold runs that
 * already moved on, so every listing checks each run and drops the ones that no longer wait.
 */
export class WaitsSystem {
  constructor(private readonly resources: Resources) {}

  /** Oldest first. The cursor names the last wait returned (`<waitingSince ms>:<runId>`; across sessions, its place in the waiting index). */
  async list(query: WaitListQuery): Promise<Page<WaitRecord>> {
    const { redis, keys } = this.resources;
    let candidates: string[];
    if (query.run !== undefined) candidates = isRunId(query.run) ? [query.run] : [];
    else if (query.session !== undefined)
      candidates = isSessionId(query.session) ? activeRunIds(query.session, await redis.hkeys(keys.session(query.session))) : [];
    else return this.listGlobal(query);
    const waits = (await this.load(candidates)).filter((w) => !query.kind || w.kind === query.kind);
    waits.sort(byAge);
    const start = query.cursor ? waits.findIndex((w) => cursorOf(w) === query.cursor) + 1 : 0;
    const page = waits.slice(start, start + query.limit);
    return { data: page, nextCursor: start + query.limit < waits.length ? cursorOf(page[page.length - 1]) : null };
  }

  /**
   * Walks the waiting-runs index in park order. Entries of runs that moved on (their wait's
   * end was not taken out of the index, or they never parked) are dropped on the way.
   */
  private async listGlobal(query: WaitListQuery): Promise<Page<WaitRecord>> {
    const data: WaitRecord[] = [];
    let read = 0;
    for await (const entries of this.resources.waiting.entries(query.cursor ? splitCursor(query.cursor) : undefined)) {
      const waiting = new Map((await this.load(entries.map((e) => e.runId))).map((w) => [w.runId, w]));
      for (const entry of entries) {
        const wait = waiting.get(entry.runId);
        if (!wait || Date.parse(wait.waitingSince) !== entry.since) {
          // A recent entry may belong to a run whose park script has not run yet (the entry is written first).
          if (entry.since < Date.now() - PARKING_GRACE_MS) await this.resources.waiting.removeNow(this.resources.redis, entry.runId, entry.since);
          continue;
        }
        if (query.kind && wait.kind !== query.kind) continue;
        data.push(wait);
        if (data.length === query.limit) return { data, nextCursor: positionOf(entry) };
      }
      // A filter that matches rarely hands back a cursor instead of reading on.
      const last = entries[entries.length - 1];
      if ((read += entries.length) >= SCAN_LIMIT) return { data, nextCursor: positionOf(last) };
    }
    return { data, nextCursor: null };
  }

  /** The waits of the runs that still wait; others are left out. */
  private async load(runIds: string[]): Promise<WaitRecord[]> {
    if (runIds.length === 0) return [];
    const pipeline = batch(this.resources.redis);
    for (const id of runIds) pipeline.hmget(this.resources.keys.run(id), "status", "wait", "task");
    const rows = (await execOrThrow(pipeline)) as (string | null)[][];
    const waits: WaitRecord[] = [];
    rows.forEach(([status, wait, taskId], i) => {
      if (status !== "waiting" || !wait) return;
      const stored = parseStoredWait(wait)!;
      const on = toWaitingOn(stored);
      const owner = {
        runId: runIds[i],
        sessionId: parseRunId(runIds[i]).sessionId,
        taskId: taskId!,
        waitingSince: new Date(stored.since).toISOString(),
        summary: describeWait(on),
      };
      waits.push({ ...on, ...owner });
    });
    return waits;
  }
}

const cursorOf = (wait: WaitRecord) => `${Date.parse(wait.waitingSince)}:${wait.runId}`;
const byAge = (a: WaitRecord, b: WaitRecord) => Date.parse(a.waitingSince) - Date.parse(b.waitingSince) || (a.runId < b.runId ? -1 : 1);

/** How many index entries one page of the global listing reads at most. */
const SCAN_LIMIT = 2_000;
/** How long an index entry may wait for its run's park script before a listing drops it. */
const PARKING_GRACE_MS = 10_000;

/** The global listing's cursor: the last entry's place in the index, `<score>:<runId>` (the score is when its wait began, plus its kind's fraction). */
const positionOf = (entry: WaitingPosition) => `${entry.score}:${entry.runId}`;

function splitCursor(cursor: string): WaitingPosition {
  const at = cursor.indexOf(":");
  const score = Number(cursor.slice(0, at));
  if (at < 0 || !/^\d{1,16}(\.\d{1,4})?$/.test(cursor.slice(0, at)) || !Number.isFinite(score)) throw invalidCursor();
  return { score, runId: cursor.slice(at + 1) };
}
