import { isRunId, isSessionId, parseRunId, type Page, type WaitListQuery, type WaitRecord } from "@helmr/core";
import { toWaitingOn } from "../records.ts";
import type { Resources } from "../resources.ts";
import type { StoredWait } from "./executions.ts";
import { activeRunIds, execOrThrow } from "./sessions.ts";

/**
 * Pending waits for operators. A run's wait lives in its hash (`wait`); the global index of
 * waiting runs is written ahead of parking and may hold runs that already moved on, so
 * every listing checks each run and drops the ones that no longer wait.
 */
export class WaitsSystem {
  constructor(private readonly resources: Resources) {}

  /** Oldest first. The cursor is `<waitingSince ms>:<runId>` of the last wait returned. */
  async list(query: WaitListQuery): Promise<Page<WaitRecord>> {
    const { redis, keys } = this.resources;
    let candidates: string[];
    if (query.run !== undefined) candidates = isRunId(query.run) ? [query.run] : [];
    else if (query.session !== undefined) candidates = isSessionId(query.session) ? activeRunIds(await redis.hkeys(keys.sessionActiveRuns(query.session))) : [];
    else return this.listGlobal(query);
    const waits = (await this.load(candidates)).filter((w) => !query.kind || w.kind === query.kind);
    waits.sort(byAge);
    const start = query.cursor ? waits.findIndex((w) => cursorOf(w) === query.cursor) + 1 : 0;
    const page = waits.slice(start, start + query.limit);
    return { data: page, nextCursor: start + query.limit < waits.length ? cursorOf(page[page.length - 1]) : null };
  }

  /** Walks the waiting-runs index in park order, dropping entries of runs that moved on. */
  private async listGlobal(query: WaitListQuery): Promise<Page<WaitRecord>> {
    const { redis, keys } = this.resources;
    const data: WaitRecord[] = [];
    let after = query.cursor ? splitCursor(query.cursor) : null;
    for (let round = 0; round < 20; round++) {
      const flat = await redis.zrangebyscore(keys.waitingRuns(), after ? after[0] : "-inf", "+inf", "WITHSCORES", "LIMIT", 0, query.limit + 50);
      const entries: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const entry: [string, number] = [flat[i], Number(flat[i + 1])];
        if (!after || entry[1] > after[0] || entry[0] > after[1]) entries.push(entry);
      }
      if (entries.length === 0) return { data, nextCursor: null };
      const waiting = new Map((await this.load(entries.map(([id]) => id))).map((w) => [w.runId, w]));
      const gone = entries.filter(([id]) => !waiting.has(id)).map(([id]) => id);
      if (gone.length) await redis.zrem(keys.waitingRuns(), ...gone);
      for (const [id, score] of entries) {
        after = [score, id];
        const wait = waiting.get(id);
        if (!wait || (query.kind && wait.kind !== query.kind)) continue;
        data.push(wait);
        if (data.length === query.limit) return { data, nextCursor: `${score}:${id}` };
      }
    }
    return { data, nextCursor: after ? `${after[0]}:${after[1]}` : null };
  }

  /** The waits of the runs that still wait; others are left out. */
  private async load(runIds: string[]): Promise<WaitRecord[]> {
    if (runIds.length === 0) return [];
    const pipeline = this.resources.redis.pipeline();
    for (const id of runIds) pipeline.hmget(this.resources.keys.run(id), "status", "wait", "task");
    const rows = (await execOrThrow(pipeline)) as (string | null)[][];
    const waits: WaitRecord[] = [];
    rows.forEach(([status, wait, taskId], i) => {
      if (status !== "waiting" || !wait) return;
      const stored = JSON.parse(wait) as StoredWait;
      waits.push({ ...toWaitingOn(wait)!, runId: runIds[i], sessionId: parseRunId(runIds[i]).sessionId, taskId: taskId!, waitingSince: new Date(stored.since).toISOString() });
    });
    return waits;
  }
}

const cursorOf = (wait: WaitRecord) => `${Date.parse(wait.waitingSince)}:${wait.runId}`;
const byAge = (a: WaitRecord, b: WaitRecord) => Date.parse(a.waitingSince) - Date.parse(b.waitingSince) || (a.runId < b.runId ? -1 : 1);

function splitCursor(cursor: string): [number, string] {
  const at = cursor.indexOf(":");
  return [Number(cursor.slice(0, at)) || 0, cursor.slice(at + 1)];
}
