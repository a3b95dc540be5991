import { notFound } from "@helmr/core";
import { decodeReply, queueScript, type ScriptReplies } from "../lua/index.ts";
import { deleteLookup } from "../lookups.ts";
import { removeIdsFromLogs } from "../paging.ts";
import type { Resources } from "../resources.ts";
import type { ChildrenSystem } from "./children.ts";
import type { SchedulesSystem } from "./schedules.ts";
import type { SessionsSystem } from "./sessions.ts";
import type { WarmWorkersSystem } from "./warm-workers.ts";
import { batch } from "../pipelines.ts";

/**
 * Erasing sessions, as a user's "forget me" needs (DELETE /api/v1/sessions/:id) and as
 * retention does once a closed session has passed its time: every key of a session's hash
 * tag goes in one script (lua/eraseSession-1.lua), then its entries in the global
 * structures: the id logs, the tag and external-id lookups, the idempotency keys of its
 * runs and tokens, the waiting index, the outbox, its runs' queued jobs. The session and its
 * tokens are marked changed, so the next incremental snapshot records them as deleted and
 * a restore does not bring them back. Many sessions go in a few round trips, however many
 * (the retention sweeper erases them in batches).
 */
export class ErasureSystem {
  constructor(
    private readonly resources: Resources,
    private readonly sessions: SessionsSystem,
    private readonly warm: WarmWorkersSystem,
    private readonly children: ChildrenSystem,
    private readonly schedules: SchedulesSystem,
  ) {}

  /** Erases one session now, cancelling its runs first; 404 when there is no such session. */
  async eraseSession(sessionId: string, now = Date.now()): Promise<void> {
    // No new runs or input from here on; queued and parked runs are cancelled. A running
    // one stops at its next write, which finds its run gone (guardExecution refuses it).
    // A session that does not exist is a 404 from here.
    await this.sessions.end(sessionId, now);
    // Its children still running (their cancel was only requested) will never end now: their
    // parents elsewhere hear of it first, so an erasure cut short leaves no parent waiting.
    await this.children.sendParentNoticesOfErased(await this.sessions.childrenOfOtherSessions(sessionId));
    if ((await this.eraseClosed([sessionId])) === 0) throw notFound("session", sessionId);
    this.resources.logger.info({ sessionId }, "session erased");
  }

  /**
   * Erases sessions already closed (a run still active in one is not cancelled, only
   * deleted: retention calls this for sessions with no runs left). Returns how many existed.
   */
  async eraseClosed(sessionIds: string[]): Promise<number> {
    const { redis, keys } = this.resources;
    const scripts = batch(redis);
    for (const id of sessionIds) queueScript(scripts, "eraseSession", { keys: { session: keys.session(id) }, args: { tagPrefix: keys.tagPrefix(id) } });
    const erased = ((await scripts.exec()) ?? []).flatMap(([error, reply], i) => {
      if (error) throw error;
      const parts = decodeReply("eraseSession", reply);
      return parts ? [{ sessionId: sessionIds[i], ...describe(parts) }] : [];
    });
    if (erased.length === 0) return 0;

    const cleanup = batch(redis);
    for (const { sessionId, session, runs, tokens } of erased) {
      for (const tag of session.tags) cleanup.zrem(keys.sessionsByTag(tag), sessionId);
      // Only mappings that still name what was erased (a key may have been taken over since).
      if (session.externalId) deleteLookup(cleanup, keys.sessionByExternalId(session.externalId), sessionId);
      for (const run of runs) {
        if (run.idem) deleteLookup(cleanup, keys.runByIdempotencyKey(run.task, run.idem), run.runId, true);
        cleanup.zrem(keys.outboxOf(run.runId), run.runId);
      }
      for (const token of tokens) {
        for (const tag of token.tags) cleanup.zrem(keys.tokensByTag(tag), token.tokenId);
        if (token.idem) deleteLookup(cleanup, keys.tokenByIdempotencyKey(token.idem), token.tokenId);
        cleanup.zrem(keys.outboxOf(token.tokenId), token.tokenId);
      }
      for (const unit of [sessionId, ...tokens.map((token) => token.tokenId)]) cleanup.sadd(keys.shardOf(unit).changes(), unit);
    }
    await cleanup.exec();
    // The schedules whose runs ran in an erased session go with it (they would only fail).
    for (const { schedules } of erased) await this.schedules.removeAll(schedules);
    const runs = erased.flatMap((e) => e.runs);
    const tokens = erased.flatMap((e) => e.tokens);
    for (const run of runs) this.resources.waiting.remove(run.runId, run.waitedSince);
    await Promise.all([
      removeIdsFromLogs(
        redis,
        keys,
        "sessionsIndex",
        erased.map((e) => ({ id: e.sessionId, createdAt: e.session.createdAt })),
      ),
      removeIdsFromLogs(
        redis,
        keys,
        "runsIndex",
        runs.map((run) => ({ id: run.runId, createdAt: run.createdAt })),
      ),
      removeIdsFromLogs(
        redis,
        keys,
        "tokensIndex",
        tokens.map((token) => ({ id: token.tokenId, createdAt: token.createdAt })),
      ),
      // A job left in a queue would find its run gone and be dropped; removing it saves that.
      ...runs
        .filter((run) => run.job)
        .map((run) =>
          this.resources
            .runsQueueOf(run.runId, run.version)
            .remove(run.job)
            .catch(() => 0),
        ),
      ...runs
        .filter((run) => run.job && run.warm)
        .map((run) =>
          this.warm
            .queueOf(run.warm)
            .remove(run.job)
            .catch(() => 0),
        ),
    ]);
    return erased.length;
  }
}

/** What eraseSession-1.lua returns, named. */
function describe({ runs, tokens, session: [externalId, tags, createdAt], schedules }: NonNullable<ScriptReplies["eraseSession"]>) {
  return {
    schedules,
    session: { externalId, tags: JSON.parse(tags) as string[], createdAt: Number(createdAt) },
    runs: groups(runs, 8).map(([runId, createdAt, idem, task, job, waitedSince, warm, version]) => ({
      runId,
      createdAt: Number(createdAt),
      idem,
      task,
      job,
      waitedSince,
      warm,
      version,
    })),
    tokens: groups(tokens, 4).map(([tokenId, createdAt, tags, idem]) => ({ tokenId, createdAt: Number(createdAt), tags: JSON.parse(tags) as string[], idem })),
  };
}

function groups(flat: string[], size: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < flat.length; i += size) out.push(flat.slice(i, i + size));
  return out;
}
