import type { ChainableCommander, Redis } from "ioredis";
import { createdAtOfId, isTokenId, runIdIn } from "@helmr/core";
import { TAG_KEYS, type Keys } from "../keys.ts";
import { appendToIdLog } from "../paging.ts";
import { parseStoredWait } from "@helmr/core";
import type { WaitingIndex } from "../waiting-index.ts";
import type { UnitRecord } from "./units.ts";
import { batch, execOrThrow } from "../pipelines.ts";
import { groupByKey } from "../shards.ts";

/** What a restored unit needs once its keys are back: ids to log, jobs to add, tokens to settle. */
export interface PendingWork {
  /** The ids of the id logs (paging.ts), written once every unit is back, oldest first. */
  logged: { sessions: string[]; runs: string[]; tokens: string[] };
  /** Runs that expect a job: queued or running ones now, waiting ones at their due time. */
  jobs: { runId: string; taskId: string; version: string; jobId: string; runAt: number }[];
  /** Completed tokens with a registered waiter, which may still wait on them. */
  settle: string[];
}

export const pendingWork = (): PendingWork => ({ logged: { sessions: [], runs: [], tokens: [] }, jobs: [], settle: [] });

/**
 * Queues the global index entries of a restored unit (and notes its ids for the id logs):
 * the same ones SessionsSystem.create, RunsSystem.trigger, ExecutionsSystem (waiting runs)
 * and TokensSystem.create write, so lists, externalId and idempotency lookups find the
 * unit again. Snapshots leave global keys out; they are all derived from the units.
 */
export function indexUnit(pipeline: ChainableCommander, keys: Keys, waiting: WaitingIndex, record: UnitRecord, work: PendingWork): void {
  if (isTokenId(record.unit)) indexToken(pipeline, keys, record, work);
  else indexSession(pipeline, keys, waiting, record, work);
}

function indexSession(pipeline: ChainableCommander, keys: Keys, waiting: WaitingIndex, record: UnitRecord, work: PendingWork): void {
  const sessionId = record.unit;
  for (const key of record.keys) {
    if (key.t !== "hash") continue;
    if (key.k === TAG_KEYS.session) {
      work.logged.sessions.push(sessionId);
      for (const tagName of tagsOf(key.v.tags)) pipeline.zadd(keys.sessionsByTag(tagName), 0, sessionId);
      if (key.v.externalId) pipeline.set(keys.sessionByExternalId(key.v.externalId), sessionId);
    } else if (key.k.startsWith(TAG_KEYS.run)) {
      const runId = runIdIn(sessionId, key.k.slice(TAG_KEYS.run.length));
      const run = key.v;
      work.logged.runs.push(runId);
      if (run.idem) pipeline.set(keys.runByIdempotencyKey(run.task, run.idem), JSON.stringify({ sessionId, runId, createSession: false }));
      if (run.status === "waiting" && run.wait) {
        const { since, kind } = parseStoredWait(run.wait)!;
        waiting.add(pipeline, runId, since, kind);
      }
      const expectsJob = run.status === "queued" || run.status === "running" || (run.status === "waiting" && run.job);
      if (expectsJob && run.job) work.jobs.push({ runId, taskId: run.task, version: run.ver ?? "", jobId: run.job, runAt: Number(run.runAt ?? 0) });
    }
  }
}

function indexToken(pipeline: ChainableCommander, keys: Keys, record: UnitRecord, work: PendingWork): void {
  const tokenId = record.unit;
  const token = record.keys[0]?.v as Record<string, string> | undefined;
  if (!token) return;
  work.logged.tokens.push(tokenId);
  for (const tagName of tagsOf(token.tags)) pipeline.zadd(keys.tokensByTag(tagName), 0, tokenId);
  if (token.idem) pipeline.set(keys.tokenByIdempotencyKey(token.idem), tokenId);
  if ((token.status === "completed" || token.status === "failed") && token.waiter) work.settle.push(tokenId);
}

/**
 * Writes the id logs in creation order, each id into its shard's log (this Redis's shards,
 * however many the snapshot's had) under an entry id of its creation time: lists over the
 * shards merge by entry id, so they page as they did before the snapshot, and retention
 * finds each entry near its record's createdAt (paging.ts).
 */
export async function writeIdLogs(redis: Redis, keys: Keys, logged: PendingWork["logged"], batchSize = 2_000): Promise<void> {
  for (const [log, ids] of [
    ["sessionsIndex", logged.sessions],
    ["runsIndex", logged.runs],
    ["tokensIndex", logged.tokens],
  ] as const) {
    for (const [key, ofShard] of groupByKey(new Set(ids), (id) => keys.shardOf(id)[log]())) {
      const sorted = ofShard.sort();
      let last = { ms: -1, seq: 0 };
      for (let i = 0; i < sorted.length; i += batchSize) {
        const pipeline = batch(redis);
        for (const id of sorted.slice(i, i + batchSize)) {
          const ms = createdAtOfId(id);
          last = ms === last.ms ? { ms, seq: last.seq + 1 } : { ms, seq: 0 };
          appendToIdLog(pipeline, key, id, `${ms}-${last.seq}`);
        }
        await execOrThrow(pipeline);
      }
    }
  }
}

function tagsOf(json: string | undefined): string[] {
  return json ? (JSON.parse(json) as string[]) : [];
}
