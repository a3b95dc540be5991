import {
  HelmrError,
  TOKEN_PAT_PREFIX,
  canonicalJson,
  constantTimeEqual,
  deriveSecret,
  isTokenId,
  newTokenId,
  notFound,
  parseDuration,
  parseRunId,
  parseStoredWait,
  parseTokenId,
  dueBranch,
  waitOutcome,
  type CreateTokenBody,
  type CreatedToken,
  type Page,
  type TokenCompletion,
  type TokenListQuery,
  type TokenRecord,
} from "@helmr/core";
import { callScript, callScriptAfter } from "../lua/index.ts";
import { appendToIdLog, idLog, lexIndex, pageRecords, removeFromIdLog, skippingUnreadable } from "../paging.ts";
import { toTokenRecord } from "../records.ts";
import { claimIdempotencyKey, type Resources } from "../resources.ts";
import type { DispatchSystem } from "./dispatch.ts";
import { jobOfClaim } from "../lua/claim.ts";
import { batch } from "../pipelines.ts";

/** How a token ended: completed with data, or failed with an error (`{ message, code? }`), each as JSON. */
export type TokenOutcome = "completed" | "failed";

export type WatchOutcome = { status: TokenOutcome; data: string } | { status: "timed_out" } | { status: "waiting"; timeoutAt: number };

/**
 * Externally completable tokens. A token and the run waiting on it may live under
 * different hash tags, so no script touches both: waiting registers the run on the token
 * (watch), parks the run, then looks at the token again; completing marks the token, then
 * resolves its registered run. Both end in resolveWaiter, which is idempotent, and an
 * outbox entry (`tok_…`) covers a completion that dies before it.
 */
export class TokensSystem {
  constructor(
    private readonly resources: Resources,
    private readonly dispatch: DispatchSystem,
  ) {}

  /** Creates a token; with an idempotencyKey the same key returns the same token. */
  async create(body: CreateTokenBody, options: { tokenId?: string; runId?: string } = {}, now = Date.now()): Promise<CreatedToken> {
    const { redis, keys } = this.resources;
    let tokenId = options.tokenId ?? newTokenId();
    if (body.idempotencyKey !== undefined) {
      const claim = await claimIdempotencyKey(this.resources, keys.tokenByIdempotencyKey(body.idempotencyKey), tokenId);
      if (!claim.claimed) {
        tokenId = claim.value;
        // The id log takes an id once; a create that died before writing the token is finished below.
        const existing = await this.find(tokenId);
        if (existing) return this.withSecrets(existing);
      }
    }
    const tags = body.tags ?? [];
    // The id log first: a listing skips ids whose token does not exist (yet).
    const pipeline = appendToIdLog(batch(redis), keys.shardOf(tokenId).tokensIndex(), tokenId);
    for (const tag of new Set(tags)) pipeline.zadd(keys.tokensByTag(tag), 0, tokenId);
    // A token a run creates under its session's tag is named by the session, so the session's erasure deletes it.
    const session = options.runId && parseRunId(options.runId).tag === parseTokenId(tokenId).tag ? parseRunId(options.runId).sessionId : undefined;
    const sessionKey = session ? keys.session(session) : keys.token(tokenId);
    const { reply: created, results } = await callScriptAfter(pipeline, "createToken", {
      keys: { token: keys.token(tokenId), session: sessionKey },
      args: {
        timeoutAt: now + parseDuration(body.timeout),
        tags: JSON.stringify(tags),
        metadata: JSON.stringify(body.metadata ?? {}),
        now,
        runId: options.runId ?? "",
        idempotencyKey: body.idempotencyKey ?? "",
      },
      subject: tokenId,
      onRefused: (results) => {
        // Refused (a replay of a token retention deleted): the id log and tag entries queued before it go.
        const cleanup = removeFromIdLog(batch(redis), keys.shardOf(tokenId).tokensIndex(), String(results[0]));
        for (const tag of new Set(tags)) cleanup.zrem(keys.tokensByTag(tag), tokenId);
        return cleanup.exec();
      },
    });
    // 0: a concurrent create with the same idempotency key made it; its entry stays.
    if (created === 0) await removeFromIdLog(batch(redis), keys.shardOf(tokenId).tokensIndex(), String(results[0])).exec();
    return this.withSecrets(await this.retrieve(tokenId));
  }

  /** The create response's secrets, derived again (they are never stored). */
  withSecrets(token: TokenRecord): CreatedToken {
    return { ...token, publicAccessToken: this.publicAccessToken(token.id), callbackUrl: this.callbackUrl(token.id) };
  }

  publicAccessToken(tokenId: string): string {
    return TOKEN_PAT_PREFIX + deriveSecret(this.serverSecret(), "token-complete", tokenId);
  }

  callbackUrl(tokenId: string): string {
    const base = this.resources.publicUrl;
    if (!base) throw new HelmrError("internal", "not_configured", "HELMR_PUBLIC_URL is not set, so Helmr cannot hand out callback URLs");
    return `${base.replace(/\/$/, "")}/api/v1/tokens/${tokenId}/callback/${deriveSecret(this.serverSecret(), "token-callback", tokenId)}`;
  }

  verifyPublicAccessToken(tokenId: string, bearer: string): boolean {
    return isTokenId(tokenId) && constantTimeEqual(bearer, this.publicAccessToken(tokenId));
  }

  verifyCallbackSecret(tokenId: string, secret: string): boolean {
    return isTokenId(tokenId) && constantTimeEqual(secret, deriveSecret(this.serverSecret(), "token-callback", tokenId));
  }

  async find(tokenId: string): Promise<TokenRecord | null> {
    if (!isTokenId(tokenId)) return null;
    const hash = await this.resources.redis.hgetall(this.resources.keys.token(tokenId));
    return hash.status ? toTokenRecord(tokenId, hash) : null;
  }

  async retrieve(tokenId: string): Promise<TokenRecord> {
    const token = await this.find(tokenId);
    if (!token) throw notFound("token", tokenId);
    return token;
  }

  /** Newest first; the status filter is applied while paging (paging.ts). */
  async list(query: TokenListQuery): Promise<Page<TokenRecord>> {
    const { redis, keys } = this.resources;
    const source = query.tag ? lexIndex(redis, keys.tokensByTag(query.tag)) : idLog(redis, keys, "tokensIndex");
    return pageRecords(
      redis,
      source,
      query,
      (id) => keys.token(id),
      skippingUnreadable(this.resources.logger, "token", (id, hash) => {
        if (!hash.status) return null;
        const token = toTokenRecord(id, hash);
        return !query.status || token.status === query.status ? token : null;
      }),
    );
  }

  /**
   * Completes a token. The same canonical data again returns the first completion
   * (firstCompletion false); other data is 409 token_already_completed, a failed token 409
   * token_failed; after the timeout, 409 token_timed_out. A run waiting on the token is resumed.
   */
  complete(tokenId: string, data: unknown, now = Date.now()): Promise<TokenCompletion> {
    return this.settle(tokenId, "completed", data ?? null, now);
  }

  /**
   * Fails a token (as Step Functions' SendTaskFailure): the run waiting on it resumes with
   * `{ ok: false, error }`, a TokenFailedError carrying the message and code. Final: the
   * same error again returns the first failure (firstCompletion false), completing it or
   * another error is 409 token_failed, a completed token 409 token_already_completed.
   */
  fail(tokenId: string, error: { message: string; code?: string }, now = Date.now()): Promise<TokenCompletion> {
    return this.settle(tokenId, "failed", error.code === undefined ? { message: error.message } : { message: error.message, code: error.code }, now);
  }

  private async settle(tokenId: string, settled: TokenOutcome, data: unknown, now: number): Promise<TokenCompletion> {
    const completions = this.resources.metrics.tokenCompletions;
    try {
      const completion = await this.settleOnce(tokenId, settled, data, now);
      completions.inc({ outcome: completion.firstCompletion ? settled : "repeated" });
      return completion;
    } catch (error) {
      if (HelmrError.is(error) && error.refused) completions.inc({ outcome: "rejected" });
      throw error;
    }
  }

  private async settleOnce(tokenId: string, settled: TokenOutcome, data: unknown, now: number): Promise<TokenCompletion> {
    if (!isTokenId(tokenId)) throw notFound("token", tokenId);
    const { redis, keys } = this.resources;
    const text = JSON.stringify(data);
    const guard = this.dispatch.replicationGuard();
    const pipeline = batch(redis);
    this.dispatch.markIntent(pipeline, tokenId, now);
    const { reply: completion } = await callScriptAfter(pipeline, "completeToken", {
      keys: { token: keys.token(tokenId) },
      args: { data: text, canon: canonicalJson(data), now, outcome: settled },
      subject: tokenId,
      onRefused: async () => void this.dispatch.clearIntent(tokenId),
    });
    const first = completion.kind !== "already";
    const waiter = completion.waiter;
    const storedData = completion.kind === "already" ? completion.data : text;
    // A repeated settling resolves the waiter again too: the first one may have died before it.
    const waitingRun = waiter ? waiter.split("|")[0] : undefined;
    if (waitingRun) await this.resolveWaiter(tokenId, waitingRun, waitOutcome.ofToken(settled, storedData));
    await this.dispatch.settleIntent(guard, tokenId, waitingRun ? [waitingRun] : []);
    if (first && settled === "completed")
      await this.emit("token.completed", tokenId, { tokenId, data: JSON.parse(storedData), waitingRunId: waitingRun ?? null }, now);
    return { token: await this.retrieve(tokenId), firstCompletion: first };
  }

  /** Registers a run as the token's waiter, or says the token is already settled. */
  async watch(tokenId: string, runId: string, position: number, now = Date.now()): Promise<WatchOutcome> {
    if (!isTokenId(tokenId)) throw notFound("token", tokenId);
    const watched = await callScript(this.resources.redis, "watchToken", {
      keys: { token: this.resources.keys.token(tokenId) },
      args: { waiter: `${runId}|${position}`, now },
      subject: tokenId,
    });
    if (watched.kind === "waiting") return { status: "waiting", timeoutAt: Number(watched.timeoutAt) };
    if (watched.kind === "timed_out") return { status: "timed_out" };
    return { status: watched.kind, data: watched.data };
  }

  /**
   * The run's wait at `position` no longer waits on the token (a waits.first branch on it
   * lost): another run may wait on it now. Idempotent; a later wait of the run keeps its own.
   */
  async releaseWaiter(tokenId: string, runId: string, position: number): Promise<void> {
    await callScript(this.resources.redis, "releaseWaiter", { keys: { token: this.resources.keys.token(tokenId) }, args: { waiter: `${runId}|${position}` } });
  }

  /** Resumes the run if it still waits on the token (idempotent), with `waitResult` (waitOutcome.ofToken). */
  async resolveWaiter(tokenId: string, runId: string, waitResult: string, now = Date.now()): Promise<boolean> {
    const { keys, redis } = this.resources;
    const resumed = await callScript(redis, "resolveWait", {
      keys: { run: keys.run(runId) },
      args: { target: tokenId, result: waitResult, now, runId, kind: "token", childRunId: "", tagPrefix: keys.tagPrefix(parseRunId(runId).sessionId) },
    });
    if (!resumed) return false;
    await this.dispatch.ensureJobOfResumed(jobOfClaim(runId, resumed.taskId, resumed.claim), resumed.jobId, resumed.warmWorker, resumed.supersededJob, {
      since: resumed.waitedSince,
      wait: { kind: "token", token: tokenId },
    });
    this.resources.waiting.remove(runId, resumed.waitedSince);
    return true;
  }

  /**
   * For a completed or failed token: resolves its waiting run if it still waits (a completion that
   * raced the park, or one that died before resolving). Returns the waiter's run id, so
   * the sweeper can also ensure the run's job (a completion may have died after resolving
   * the run but before adding its job).
   */
  async settleWaiter(tokenId: string): Promise<string | null> {
    const [status, waiter, data] = await this.resources.redis.hmget(this.resources.keys.token(tokenId), "status", "waiter", "data");
    if ((status !== "completed" && status !== "failed") || !waiter || data === null) return null;
    const runId = waiter.split("|")[0];
    await this.resolveWaiter(tokenId, runId, waitOutcome.ofToken(status, data));
    return runId;
  }

  /**
   * Before a run's wait on a token times out (its wake job is due), the token decides: a
   * token completed in time resumes the run with its data (its completer may not have
   * reached the run yet, or died before), and otherwise the token is marked timed out, so
   * a completion that comes later is refused instead of being lost. Returns true when the
   * run was resumed here; the due job then finds itself stale.
   */
  async settleDueTimeout(runId: string, now = Date.now()): Promise<boolean> {
    const [status, waitJson] = await this.resources.redis.hmget(this.resources.keys.run(runId), "status", "wait");
    if (status !== "waiting" || !waitJson) return false;
    const wait = parseStoredWait(waitJson)!;
    // A waits.first whose due branch is a token decides the same way for that branch.
    const due = wait.kind === "first" ? dueBranch(wait.branches) : wait;
    if (due?.kind !== "token" || now < due.timeoutAt) return false;
    // A token that is gone (erased with its session) decides nothing: the due job times the wait out.
    const settled = await callScript(this.resources.redis, "settleTokenTimeout", {
      keys: { token: this.resources.keys.token(due.tokenId) },
      args: { now },
    }).catch((error) => {
      if (HelmrError.is(error) && error.kind === "not_found") return null;
      throw error;
    });
    if (settled?.kind === "timed_out") await this.emit("token.timed_out", due.tokenId, { tokenId: due.tokenId, waitingRunId: runId }, now);
    if (settled?.kind !== "completed" && settled?.kind !== "failed") return false;
    return this.resolveWaiter(due.tokenId, runId, waitOutcome.ofToken(settled.kind, settled.data));
  }

  /** A token's event to webhooks (one per token and kind: its id names both). */
  private async emit(type: "token.completed" | "token.timed_out", tokenId: string, data: Record<string, unknown>, now: number): Promise<void> {
    if (!(await this.resources.webhookEvents.heard([type]))) return;
    await this.resources.webhookEvents
      .emit(type, `evt_${tokenId}_${type.slice(6)}`, data, now)
      .catch((error) => this.resources.logger.warn({ err: error, tokenId }, "could not emit a token's event to webhooks"));
  }

  private serverSecret(): string {
    if (!this.resources.secret) throw new HelmrError("internal", "not_configured", "HELMR_SECRET is not set, so Helmr cannot create or check token secrets");
    return this.resources.secret;
  }
}
