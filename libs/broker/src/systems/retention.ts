import { isSessionId, isTokenId } from "@helmr/core";
import type { ChainableCommander } from "ioredis";
import { decodeReply, queueScript } from "../lua/index.ts";
import { deleteLookup } from "../lookups.ts";
import { removeIdsFromLogs } from "../paging.ts";
import { forgetUnattendedChanges } from "../snapshots/lock.ts";
import type { Resources } from "../resources.ts";
import type { ErasureSystem } from "./erasure.ts";
import type { SessionsSystem } from "./sessions.ts";
import { batch } from "../pipelines.ts";

/** How long each kind of record is kept once it has ended, in ms; 0 keeps it for ever. */
export interface RetentionPolicy {
  /** A finished run (completed, failed, cancelled, continued, expired), from when it finished. */
  runMs: number;
  /** A closed session, from when it closed, once none of its runs remain. */
  sessionMs: number;
  /** An open session with no active run and no input or output for this long is closed; 0: never. */
  sessionIdleCloseMs: number;
  /** A completed or timed-out token, from when it ended. */
  tokenMs: number;
}

export interface SweepOutcome {
  runs: number;
  sessions: number;
  closed: number;
  tokens: number;
}

/** Units looked at per round trip: small, so a sweep never stalls deliveries. */
const BATCH = 200;
/** How long one sweep goes on taking due batches while there are more (a turn of the event loop between two). */
const SWEEP_BUDGET_MS = 1_000;
/** Held by the one process sweeping; a sweep takes far less. */
const LOCK_MS = 30_000;

type LogEntry = [entryId: string, fields: string[]];
/** A session or token to look at; `seen` is its score in the due index (`due`, its shard's) when read from it. */
type Unit = { id: string; due: string; seen?: string };

/**
 * Deletes what has passed its retention. The units to look at (sessions, tokens) come
 * from the due index (each shard's ShardKeys.retentionDue), fed whenever a script ends a run, a session or
 * a token (lua/run-script.ts): a sweep reads only what may be due, however many runs
 * are parked. Looking at a session deletes its finished runs past their time and says
 * whether the session is to be erased (closed, past its retention, no runs left) or
 * closed (idle), and when it next comes due; the unit then moves to that time or leaves
 * the index. Beside the index, each sweep also walks one batch of the session and token id
 * logs from a cursor, round and round: that finds what the index was never fed (records
 * from before it, a process that died between a script and its feed, a session that never
 * had a run), slowly.
 */
export class RetentionSystem {
  constructor(
    private readonly resources: Resources,
    private readonly sessions: SessionsSystem,
    private readonly erasure: ErasureSystem,
  ) {}

  /** One sweep; returns what it deleted (and closed). Nothing when another process sweeps. */
  async sweep(policy: RetentionPolicy, now = Date.now()): Promise<SweepOutcome> {
    const { redis, keys } = this.resources;
    const done: SweepOutcome = { runs: 0, sessions: 0, closed: 0, tokens: 0 };
    const shortest = Math.min(...[policy.runMs, policy.sessionMs, policy.sessionIdleCloseMs, policy.tokenMs].filter((ms) => ms > 0));
    if (!Number.isFinite(shortest)) return done;
    if ((await redis.set(keys.retentionLock(), String(process.pid), "PX", LOCK_MS, "NX")) !== "OK") return done;
    try {
      const started = Date.now();
      for (const shard of keys.shards) {
        const key = shard.retentionDue();
        for (;;) {
          const due = await redis.zrangebyscore(key, "-inf", now - shortest, "WITHSCORES", "LIMIT", 0, BATCH);
          const units: Unit[] = [];
          for (let i = 0; i < due.length; i += 2) units.push({ id: due[i], due: key, seen: due[i + 1] });
          if (units.length) await this.lookAt(units, policy, shortest, now, done);
          if (units.length < BATCH || Date.now() - started > SWEEP_BUDGET_MS) break;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      for (const log of keys.shards.flatMap((shard) => [shard.sessionsIndex(), shard.tokensIndex()])) {
        const entries = await this.nextOfLog(log);
        const units = entries.map(([, fields]): Unit => ({ id: fields[1], due: this.dueKeyOf(fields[1]) }));
        if (units.length) await this.lookAt(units, policy, shortest, now, done);
      }
      // The tombstones of what was deleted are change marks: where nobody takes
      // snapshots, nothing else clears them.
      await forgetUnattendedChanges(redis, keys, now);
    } finally {
      await redis.del(keys.retentionLock());
    }
    return done;
  }

  /** The next batch of an id log from its cursor, which wraps to the log's start at its end. */
  private async nextOfLog(log: string): Promise<LogEntry[]> {
    const { redis, keys } = this.resources;
    const cursor = await redis.hget(keys.retentionCursors(), log);
    const batch = (await redis.xrange(log, cursor ? `(${cursor}` : "-", "+", "COUNT", BATCH)) as LogEntry[];
    await redis.hset(keys.retentionCursors(), log, batch.length < BATCH ? "" : batch.at(-1)![0]);
    return batch;
  }

  /** Looks at a batch of units in one round trip, then deletes, erases and closes what is due and moves each unit to its next time. */
  private async lookAt(units: Unit[], policy: RetentionPolicy, shortest: number, now: number, done: SweepOutcome): Promise<void> {
    const { redis, keys } = this.resources;
    const looks = batch(redis);
    const looked = units.filter(({ id }) => isSessionId(id) || isTokenId(id));
    for (const { id } of looked) {
      if (isSessionId(id))
        queueScript(looks, "sweepSession", {
          keys: { session: keys.session(id) },
          args: { now, runMs: policy.runMs, sessionMs: policy.sessionMs, idleMs: policy.sessionIdleCloseMs, tagPrefix: keys.tagPrefix(id) },
        });
      else
        queueScript(looks, "deleteToken", {
          keys: { token: keys.token(id) },
          args: { cutoff: policy.tokenMs > 0 ? now - policy.tokenMs : -1, retention: policy.tokenMs },
        });
    }
    const replies = ((await looks.exec()) ?? []).map(([error, reply]) => (error ? null : reply));

    const cleanup = batch(redis);
    const deletedRuns: { id: string; createdAt: number }[] = [];
    const deletedTokens: { id: string; createdAt: number }[] = [];
    const toErase: string[] = [];
    const toClose: string[] = [];
    const next = new Map<Unit, number | null>();
    // What is neither a session nor a token has nothing to come due.
    for (const unit of units) if (!looked.includes(unit)) next.set(unit, null);
    looked.forEach((unit, i) => {
      const reply = replies[i];
      // A unit that could not be looked at stays where it is, for the next sweep.
      if (!reply) return;
      if (isTokenId(unit.id)) {
        const look = decodeReply("deleteToken", reply);
        if (look.kind === "deleted") {
          this.cleanUpToken(cleanup, unit.id, look.tags, look.idempotencyKey);
          deletedTokens.push({ id: unit.id, createdAt: Number(look.createdAt) });
        }
        next.set(unit, look.kind === "keep" && look.next && policy.tokenMs > 0 ? Number(look.next) : null);
        return;
      }
      const { kind: verdict, next: nextDue, deleted } = decodeReply("sweepSession", reply);
      for (let j = 0; j < deleted.length; j += 4) {
        const [runId, createdAt, task, idem] = deleted.slice(j, j + 4);
        if (idem) deleteLookup(cleanup, keys.runByIdempotencyKey(task, idem), runId, true);
        deletedRuns.push({ id: runId, createdAt: Number(createdAt) });
      }
      // A tombstone for each deleted run in the next incremental snapshot.
      if (deleted.length) cleanup.sadd(keys.shardOf(unit.id).changes(), unit.id);
      if (verdict === "erase") toErase.push(unit.id);
      if (verdict === "close") toClose.push(unit.id);
      // A closed session comes due when its retention has passed (closing feeds it too).
      next.set(unit, verdict === "close" ? now + policy.sessionMs : nextDue ? Number(nextDue) : null);
    });
    done.runs += deletedRuns.length;
    done.tokens += deletedTokens.length;
    if (deletedRuns.length || deletedTokens.length) await cleanup.exec();
    await Promise.all([removeIdsFromLogs(redis, keys, "runsIndex", deletedRuns), removeIdsFromLogs(redis, keys, "tokensIndex", deletedTokens)]);
    if (toErase.length) done.sessions += await this.erasure.eraseClosed(toErase);
    await Promise.all(toClose.map((id) => this.close(id, now, done)));

    // Last, once what was due is gone: each unit moves to when it next comes due (its
    // score is "due less the shortest retention", as the feed's "ended at" is), or leaves.
    const reschedule = batch(redis);
    const moves = new Map<string, (string | number)[]>();
    for (const [unit, at] of next) {
      const score = at === null ? "" : at - shortest;
      if (unit.seen !== undefined) moves.set(unit.due, [...(moves.get(unit.due) ?? []), unit.id, unit.seen, score]);
      else if (score !== "") reschedule.zadd(unit.due, "LT", score, unit.id);
    }
    for (const [due, moved] of moves) queueScript(reschedule, "rescheduleDue", { keys: { due }, args: {}, rest: moved });
    if (reschedule.length) await reschedule.exec();
  }

  private cleanUpToken(cleanup: ChainableCommander, tokenId: string, tagsJson: string, idem: string): void {
    const { keys } = this.resources;
    for (const tag of JSON.parse(tagsJson) as string[]) cleanup.zrem(keys.tokensByTag(tag), tokenId);
    if (idem) deleteLookup(cleanup, keys.tokenByIdempotencyKey(idem), tokenId);
    // A tombstone in the next incremental snapshot, so a restore does not bring it back.
    cleanup.sadd(keys.shardOf(tokenId).changes(), tokenId);
  }

  /** Where a unit found in an id log goes in the due index: its own shard's. */
  private dueKeyOf(id: string): string {
    return isSessionId(id) || isTokenId(id) ? this.resources.keys.shardOf(id).retentionDue() : this.resources.keys.shards[0].retentionDue();
  }

  private async close(sessionId: string, now: number, done: SweepOutcome): Promise<void> {
    try {
      await this.sessions.end(sessionId, now);
      done.closed++;
    } catch (error) {
      this.resources.logger.warn({ err: error, sessionId }, "retention could not close an idle session; the next sweep tries again");
    }
  }
}
