import { parseRunId } from "@helmr/core";
import { runScript } from "../lua/index.ts";
import type { Resources } from "../resources.ts";
import type { ErasureSystem } from "./erasure.ts";
import type { SessionsSystem } from "./sessions.ts";

/** How long each kind of record is kept once it has ended, in ms; 0 keeps it for ever. */
export interface RetentionPolicy {
  /** A finished run (completed, failed, cancelled, continued), from when it finished. */
  runMs: number;
  /** A closed session, from when it closed, once none of its runs remain. */
  sessionMs: number;
  /** An open session with no active run and no input or output for this long is closed; 0: never. */
  sessionIdleCloseMs: number;
  /** A completed or timed-out token, from when it ended. */
  tokenMs: number;
}

/** Records looked at per log and sweep: small, so a sweep never stalls deliveries. */
const BATCH = 200;
/** Held by the one process sweeping; a sweep takes far less. */
const LOCK_MS = 30_000;
/** Sessions a sweep ends side by side. */
const SESSIONS_AT_ONCE = 20;
/** How long one log's part of a sweep goes on taking batches while there are more (a turn of the event loop between two). */
const LOG_BUDGET_MS = 250;

type LogEntry = [entryId: string, fields: string[]];

/**
 * Deletes what has passed its retention, a small batch of each id log per sweep (workers
 * sweep every few seconds, one at a time, under a lock). Each log is walked from a cursor
 * that wraps around at its end, so every record is looked at again each round; a record
 * that must stay (a parked run, however old) is simply passed over. A record goes with
 * its entries in the global structures (its id-log entry, idempotency key, tag index);
 * a session goes whole, as an erasure (erasure.ts).
 */
export class RetentionSweeper {
  constructor(
    private readonly resources: Resources,
    private readonly sessions: SessionsSystem,
    private readonly erasure: ErasureSystem,
  ) {}

  /** One sweep; returns what it deleted (and closed). Nothing when another process sweeps. */
  async sweep(policy: RetentionPolicy, now = Date.now()): Promise<{ runs: number; sessions: number; closed: number; tokens: number }> {
    const { redis, keys } = this.resources;
    const done = { runs: 0, sessions: 0, closed: 0, tokens: 0 };
    if ((await redis.set(keys.retentionLock(), String(process.pid), "PX", LOCK_MS, "NX")) !== "OK") return done;
    try {
      if (policy.runMs > 0) done.runs = await this.sweepLog(keys.runsIndex(), (batch) => this.deleteRuns(batch, now - policy.runMs));
      if (policy.tokenMs > 0) done.tokens = await this.sweepLog(keys.tokensIndex(), (batch) => this.deleteTokens(batch, now - policy.tokenMs));
      if (policy.sessionMs > 0 || policy.sessionIdleCloseMs > 0) {
        await this.sweepLog(keys.sessionsIndex(), async (batch) => {
          const outcome = await this.sweepSessions(batch, policy, now);
          done.sessions += outcome.deleted;
          done.closed += outcome.closed;
          return outcome.deleted;
        });
      }
    } finally {
      await redis.del(keys.retentionLock());
    }
    return done;
  }

  /**
   * The next batches of a log from its cursor, each handed to `act`, until the log's end (the
   * cursor then wraps to its start for the next sweep) or the budget: a busy Helmr that
   * creates more than a batch per sweep is kept up with, and deliveries get a turn between
   * batches.
   */
  private async sweepLog(log: string, act: (batch: LogEntry[]) => Promise<number>): Promise<number> {
    const { redis, keys } = this.resources;
    const started = Date.now();
    let done = 0;
    for (;;) {
      const cursor = await redis.hget(keys.retentionCursors(), log);
      const batch = (await redis.xrange(log, cursor ? `(${cursor}` : "-", "+", "COUNT", BATCH)) as LogEntry[];
      const atEnd = batch.length < BATCH;
      await redis.hset(keys.retentionCursors(), log, atEnd ? "" : batch.at(-1)![0]);
      if (batch.length) done += await act(batch);
      if (atEnd || Date.now() - started > LOG_BUDGET_MS) return done;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async deleteRuns(batch: LogEntry[], cutoff: number): Promise<number> {
    const { redis, keys } = this.resources;
    const pipeline = redis.pipeline();
    const runIds = batch.map(([, fields]) => fields[1]);
    for (const runId of runIds) runScript(pipeline, "deleteRun", [keys.run(runId), keys.session(parseRunId(runId).sessionId)], [runId, cutoff]);
    const results = (await pipeline.exec()) ?? [];
    const cleanup = redis.pipeline();
    let deleted = 0;
    results.forEach(([error, reply], i) => {
      const deletedRun = !error && Array.isArray(reply) && reply.length > 0 ? (reply as [string, string]) : null;
      // A log entry whose run is gone altogether (erased meanwhile) goes too.
      if (!deletedRun) return;
      const [task, idem] = deletedRun;
      cleanup.xdel(keys.runsIndex(), batch[i][0]);
      if (idem) runScript(cleanup, "deleteLookup", [keys.runByIdempotencyKey(task, idem)], [runIds[i], "json"]);
      cleanup.sadd(keys.changes(), parseRunId(runIds[i]).sessionId);
      deleted++;
    });
    if (deleted) await cleanup.exec();
    return deleted;
  }

  private async deleteTokens(batch: LogEntry[], cutoff: number): Promise<number> {
    const { redis, keys } = this.resources;
    const pipeline = redis.pipeline();
    const tokenIds = batch.map(([, fields]) => fields[1]);
    for (const tokenId of tokenIds) runScript(pipeline, "deleteToken", [keys.token(tokenId)], [cutoff]);
    const results = (await pipeline.exec()) ?? [];
    const cleanup = redis.pipeline();
    let deleted = 0;
    results.forEach(([error, reply], i) => {
      if (error || !Array.isArray(reply) || reply.length === 0) return;
      const [tags, idem] = reply as [string, string];
      const tokenId = tokenIds[i];
      cleanup.xdel(keys.tokensIndex(), batch[i][0]);
      for (const tag of JSON.parse(tags) as string[]) cleanup.zrem(keys.tokensByTag(tag), tokenId);
      if (idem) runScript(cleanup, "deleteLookup", [keys.tokenByIdempotencyKey(idem)], [tokenId, ""]);
      // A tombstone in the next incremental snapshot, so a restore does not bring it back.
      cleanup.sadd(keys.changes(), tokenId);
      deleted++;
    });
    if (deleted) await cleanup.exec();
    return deleted;
  }

  /** Closes idle open sessions and erases closed ones past their retention with no runs left. */
  private async sweepSessions(batch: LogEntry[], policy: RetentionPolicy, now: number): Promise<{ deleted: number; closed: number }> {
    const { redis, keys, logger } = this.resources;
    const pipeline = redis.pipeline();
    const sessionIds = batch.map(([, fields]) => fields[1]);
    for (const id of sessionIds) pipeline.hgetall(keys.session(id));
    const hashes = ((await pipeline.exec()) ?? []).map(([error, hash]) => (error ? {} : (hash as Record<string, string>)));
    let deleted = 0;
    let closed = 0;
    // A few of the batch's sessions side by side: their commands share the connection's
    // round trips, and a sweep's burst of Redis work stays small beside deliveries.
    const endSession = async (id: string, i: number) => {
      const hash = hashes[i];
      if (!hash.status) return;
      const fields = Object.keys(hash);
      const active = fields.some((field) => field.startsWith("a:"));
      try {
        if (hash.status === "closed" && policy.sessionMs > 0 && !active && !fields.some((field) => field.startsWith("f:")) && Number(hash.closedAt) <= now - policy.sessionMs) {
          await this.erasure.eraseSession(id, now);
          deleted++;
        } else if (hash.status === "open" && policy.sessionIdleCloseMs > 0 && !active && (await this.lastActivity(id, hash)) <= now - policy.sessionIdleCloseMs) {
          await this.sessions.close(id, now);
          closed++;
        }
      } catch (error) {
        logger.warn({ err: error, sessionId: id }, "retention could not end a session; the next sweep tries again");
      }
    };
    for (let start = 0; start < sessionIds.length; start += SESSIONS_AT_ONCE) {
      await Promise.all(sessionIds.slice(start, start + SESSIONS_AT_ONCE).map((id, j) => endSession(id, start + j)));
    }
    return { deleted, closed };
  }

  /** When the session last changed or took input or output (its streams' newest entries). */
  private async lastActivity(sessionId: string, hash: Record<string, string>): Promise<number> {
    const { redis, keys } = this.resources;
    const streams = Object.keys(hash).flatMap((field) => {
      if (field.startsWith("in:")) return [keys.inputStream(sessionId, field.slice(3))];
      if (field.startsWith("out:")) return [keys.outputStream(sessionId, field.slice(4))];
      return [];
    });
    let last = Number(hash.updatedAt ?? hash.createdAt ?? 0);
    if (streams.length === 0) return last;
    const pipeline = redis.pipeline();
    for (const stream of streams) pipeline.xrevrange(stream, "+", "-", "COUNT", 1);
    for (const [, entries] of (await pipeline.exec()) ?? []) {
      const newest = (entries as LogEntry[] | undefined)?.[0];
      if (newest) last = Math.max(last, Number(newest[0].split("-")[0]));
    }
    return last;
  }
}
