import { isSessionId, notFound } from "@helmr/core";
import { runScript } from "../lua/index.ts";
import { removeIdsFromLog } from "../paging.ts";
import type { Resources } from "../resources.ts";
import type { SessionsSystem } from "./sessions.ts";
import type { WarmWorkers } from "./warm-workers.ts";

/**
 * Erasing a session now, as a user's "forget me" needs (DELETE /api/v1/sessions/:id): its
 * runs stop, every key of its hash tag goes in one script (lua/eraseSession-1.lua), then its
 * entries in the global structures: the id logs, the tag and external-id lookups, the
 * idempotency keys of its runs and tokens, the waiting index, the outbox, its runs' queued
 * jobs. The session and its tokens are marked changed, so the next incremental snapshot
 * records them as deleted and a restore does not bring them back.
 */
export class ErasureSystem {
  constructor(
    private readonly resources: Resources,
    private readonly sessions: SessionsSystem,
    private readonly warm: WarmWorkers,
  ) {}

  async eraseSession(sessionId: string, now = Date.now()): Promise<void> {
    const { redis, keys, logger } = this.resources;
    if (!isSessionId(sessionId)) throw notFound("session", sessionId);
    const session = await redis.hmget(keys.session(sessionId), "status", "externalId", "tags", "createdAt");
    if (!session[0]) throw notFound("session", sessionId);
    // No new runs or input from here on; queued and parked runs are cancelled. A running
    // one stops at its next write, which finds its run gone (guardExecution refuses it).
    await this.sessions.close(sessionId, now);
    const erased = await runScript<[] | [string[], string[]]>(redis, "eraseSession", [keys.session(sessionId)], [keys.tagPrefix(sessionId)]);
    if (erased.length === 0) throw notFound("session", sessionId);
    const runs = groups(erased[0], 7).map(([runId, createdAt, idem, task, job, waitedSince, warm]) => ({ runId, createdAt: Number(createdAt), idem, task, job, waitedSince, warm }));
    const tokens = groups(erased[1], 4).map(([tokenId, createdAt, tags, idem]) => ({ tokenId, createdAt: Number(createdAt), tags: JSON.parse(tags) as string[], idem }));

    const [, externalId, tagsJson, createdAt] = session;
    const cleanup = redis.pipeline();
    for (const tag of JSON.parse(tagsJson ?? "[]") as string[]) cleanup.zrem(keys.sessionsByTag(tag), sessionId);
    // Only mappings that still name what was erased (a key may have been taken over since).
    if (externalId) runScript(cleanup, "deleteLookup", [keys.sessionByExternalId(externalId)], [sessionId, ""]);
    for (const run of runs) {
      if (run.idem) runScript(cleanup, "deleteLookup", [keys.runByIdempotencyKey(run.task, run.idem)], [run.runId, "json"]);
      cleanup.zrem(keys.dispatchOutbox(), run.runId);
    }
    for (const token of tokens) {
      for (const tag of token.tags) cleanup.zrem(keys.tokensByTag(tag), token.tokenId);
      if (token.idem) runScript(cleanup, "deleteLookup", [keys.tokenByIdempotencyKey(token.idem)], [token.tokenId, ""]);
      cleanup.zrem(keys.dispatchOutbox(), token.tokenId);
    }
    cleanup.sadd(keys.changes(), sessionId, ...tokens.map((token) => token.tokenId));
    await cleanup.exec();
    for (const run of runs) this.resources.waiting.remove(run.runId, run.waitedSince);
    await Promise.all([
      removeIdsFromLog(redis, keys.sessionsIndex(), [{ id: sessionId, createdAt: Number(createdAt) }]),
      removeIdsFromLog(redis, keys.runsIndex(), runs.map((run) => ({ id: run.runId, createdAt: run.createdAt }))),
      removeIdsFromLog(redis, keys.tokensIndex(), tokens.map((token) => ({ id: token.tokenId, createdAt: token.createdAt }))),
      // A job left in a queue would find its run gone and be dropped; removing it saves that.
      ...runs.filter((run) => run.job).map((run) => this.resources.runsQueue.remove(run.job).catch(() => 0)),
      ...runs.filter((run) => run.job && run.warm).map((run) => this.warm.queueOf(run.warm).remove(run.job).catch(() => 0)),
    ]);
    logger.info({ sessionId, runs: runs.length, tokens: tokens.length }, "session erased");
  }
}

function groups(flat: string[], size: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < flat.length; i += size) out.push(flat.slice(i, i + size));
  return out;
}
