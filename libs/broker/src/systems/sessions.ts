import {
  isSessionId,
  newSessionId,
  parseRunId,
  runIdIn,
  notFound,
  type CreateSessionBody,
  type Page,
  type SessionListQuery,
  type SessionRecord,
  type SessionStreams,
} from "@helmr/core";
import { execOrThrow, batch } from "../pipelines.ts";
import { appendToIdLog, idLog, lexIndex, removeFromIdLog, skippingUnreadable } from "../paging.ts";
import { SESSION_PARTS, TAG_KEYS } from "../keys.ts";
import { SESSION_FIELDS, hashOf, toSessionRecord } from "../records.ts";
import type { Resources } from "../resources.ts";
import { callScript, callScriptAfter } from "../lua/index.ts";
import type { ChildrenSystem } from "./children.ts";
import type { DispatchSystem } from "./dispatch.ts";
import { addIntents, parentNoticeIntent, runEndEventIntent } from "../outbox.ts";
import { RUN_END_TYPES } from "../webhook-events.ts";

export type CreateSessionOutcome = { status: "created"; session: SessionRecord } | { status: "existing"; session: SessionRecord };

export class SessionsSystem {
  constructor(
    private readonly resources: Resources,
    private readonly children: ChildrenSystem,
    private readonly dispatch: DispatchSystem,
  ) {}

  /**
   * Creates a session. The same externalId always maps to one session: the mapping is
   * claimed first (SET NX), so concurrent creates agree, and a create that died after
   * claiming it is completed by the next one.
   */
  async create(body: CreateSessionBody, now = Date.now()): Promise<CreateSessionOutcome> {
    const { redis, keys } = this.resources;
    let id = newSessionId();
    if (body.externalId !== undefined) {
      const claimed = await redis.set(keys.sessionByExternalId(body.externalId), id, "NX");
      if (claimed !== "OK") {
        id = (await redis.get(keys.sessionByExternalId(body.externalId)))!;
        const existing = await this.find(id);
        if (existing) return { status: "existing", session: existing };
      }
    }
    const tags = body.tags ?? [];
    // Indexes first: a listing skips ids whose session does not exist (yet).
    const pipeline = appendToIdLog(batch(redis), keys.shardOf(id).sessionsIndex(), id);
    for (const tag of new Set(tags)) pipeline.zadd(keys.sessionsByTag(tag), 0, id);
    const { reply: created, results } = await callScriptAfter(pipeline, "createSession", {
      keys: { session: keys.session(id) },
      args: { externalId: body.externalId ?? "", tags: JSON.stringify(tags), metadata: JSON.stringify(body.metadata ?? {}), now },
    });
    if (created === 0) {
      // A concurrent create with the same externalId made it first; its log entry stays.
      await removeFromIdLog(batch(redis), keys.shardOf(id).sessionsIndex(), String(results[0])).exec();
      return { status: "existing", session: (await this.find(id))! };
    }
    return { status: "created", session: (await this.find(id))! };
  }

  async find(id: string): Promise<SessionRecord | null> {
    if (!isSessionId(id)) return null;
    const hash = hashOf(SESSION_FIELDS, await this.resources.redis.hmget(this.resources.keys.session(id), ...SESSION_FIELDS));
    return hash.status ? toSessionRecord(id, hash) : null;
  }

  async retrieve(id: string): Promise<SessionRecord> {
    const session = await this.find(id);
    if (!session) throw notFound("session", id, "it may have passed its retention, or been erased (`helmr session list` shows the sessions there are)");
    return session;
  }

  /**
   * The session's streams with their entry counts (the session hash counts them: in:<name>,
   * out:<name>), found with HSCAN MATCH in pages: the hash also names every run of the session.
   */
  async streams(id: string): Promise<SessionStreams> {
    const of = async (prefix: string) => {
      const counts: { name: string; count: number }[] = [];
      let cursor = "0";
      do {
        const [next, pairs] = await this.resources.redis.hscan(this.resources.keys.session(id), cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        for (let i = 0; i < pairs.length; i += 2) counts.push({ name: pairs[i].slice(prefix.length), count: Number(pairs[i + 1]) });
        cursor = next;
      } while (cursor !== "0");
      return counts.sort((a, b) => a.name.localeCompare(b.name));
    };
    // Counted in fields named like the streams' keys (lua/deliverInput-4.lua, appendOutput-3.lua).
    const [input, output] = await Promise.all([of(TAG_KEYS.inputStream), of(TAG_KEYS.outputStream)]);
    return { input, output };
  }

  async list(query: SessionListQuery): Promise<Page<SessionRecord>> {
    const { redis, keys } = this.resources;
    if (query.externalId !== undefined) {
      const id = await redis.get(keys.sessionByExternalId(query.externalId));
      const session = id ? await this.find(id) : null;
      const matches = session && (!query.tag || session.tags.includes(query.tag));
      return { data: matches ? [session] : [], nextCursor: null };
    }
    const source = query.tag ? lexIndex(redis, keys.sessionsByTag(query.tag)) : idLog(redis, keys, "sessionsIndex");
    const { ids, next } = await source(query.limit, query.cursor);
    const pipeline = batch(redis);
    for (const id of ids) pipeline.hmget(keys.session(id), ...SESSION_FIELDS);
    const hashes = ((await execOrThrow(pipeline)) as (string | null)[][]).map((values) => hashOf(SESSION_FIELDS, values));
    const toRecord = skippingUnreadable(this.resources.logger, "session", (id, hash) => (hash.status ? toSessionRecord(id, hash) : null));
    const data = ids.flatMap((id, i) => toRecord(id, hashes[i]) ?? []);
    return { data, nextCursor: next };
  }

  /** Closes the session and cancels its runs that are still queued or parked. */
  async close(id: string, now = Date.now()): Promise<{ session: SessionRecord; cancelledRuns: number }> {
    const cancelledRuns = await this.end(id, now);
    return { session: await this.retrieve(id), cancelledRuns };
  }

  /**
   * Closes a session (close() without reading it back); returns how many runs it cancelled.
   * Its runs that a run in another session waits for tell that parent of the cancel: the
   * notices are marked in the outbox ahead, as a cancel's (systems/children.ts).
   */
  async end(id: string, now = Date.now()): Promise<number> {
    if (!isSessionId(id)) throw notFound("session", id);
    const { redis, keys } = this.resources;
    const children = await this.childrenOfOtherSessions(id);
    // The runs it may end, marked ahead when webhooks hear run ends (as a cancel's).
    const active = (await this.resources.webhookEvents.heard(RUN_END_TYPES)) ? activeRunIds(id, await redis.hkeys(keys.session(id))) : [];
    const intents = [...children.map((child) => parentNoticeIntent(child.runId)), ...active.map(runEndEventIntent)];
    if (intents.length) await execOrThrow(addIntents(batch(redis), keys, intents, now));
    const closed = await callScript(redis, "closeSession", { keys: { session: keys.session(id) }, args: { now, tagPrefix: keys.tagPrefix(id) }, subject: id });
    const ended = closed.kind === "closed" ? closed.ended : [];
    for (let i = 0; i < ended.length; i += 5) {
      const [runId, waitedSince, wakeJob, warmWorker, version] = ended.slice(i, i + 5);
      this.resources.waiting.remove(runId, waitedSince);
      if (wakeJob) void this.dispatch.removeJob(runId, version, wakeJob, warmWorker);
    }
    for (const child of children) await this.children.sendParentNotice(child.runId);
    // A running one ends at its next durable operation: its mark stays for the sweeper until then.
    for (const runId of active)
      await this.resources.webhookEvents
        .emitRunEnd(runId, { keepUnended: true })
        .catch((error) => this.resources.logger.warn({ err: error, runId }, "could not emit a run's end to webhooks; the outbox sweeper will"));
    return closed.kind === "closed" ? closed.cancelledCount : 0;
  }

  /** The session's active runs that a run in another session triggered and may wait for (their `parent`). */
  async childrenOfOtherSessions(id: string): Promise<{ runId: string; parent: string }[]> {
    const { redis, keys } = this.resources;
    const runIds = activeRunIds(id, await redis.hkeys(keys.session(id)));
    if (runIds.length === 0) return [];
    const reads = batch(redis);
    for (const runId of runIds) reads.hget(keys.run(runId), "parent");
    const parents = (await execOrThrow(reads)) as (string | null)[];
    return runIds.flatMap((runId, i) => {
      const parent = parents[i];
      return parent && parseRunId(parent.split("|")[0]).sessionId !== id ? [{ runId, parent }] : [];
    });
  }
}

/** The ids of a session's active runs, from its hash's fields (SESSION_PARTS.activeRun, keys.ts). */
export function activeRunIds(sessionId: string, fields: string[]): string[] {
  const prefix = SESSION_PARTS.activeRun;
  return fields.filter((f) => f.startsWith(prefix)).map((f) => runIdIn(sessionId, f.slice(prefix.length)));
}
