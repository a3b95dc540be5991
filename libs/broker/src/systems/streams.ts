import { HelmrError, isSessionId, notFound, type InputEntry, type OutputEntry, type Page, type SendInputResult } from "@helmr/core";
import type { Redis } from "ioredis";
import { callScript, type ScriptCall } from "../lua/index.ts";
import { execOrThrow, batch, sentTogether } from "../pipelines.ts";
import type { Resources } from "../resources.ts";
import type { DispatchSystem } from "./dispatch.ts";
import { jobOfClaim } from "../lua/claim.ts";
import { InputReader } from "../input-reader.ts";
import { fieldsOf, type StreamEntry } from "../stream-entries.ts";

/**
 * Session input and output streams. Input is delivered by one Lua script that appends it
 * to the stream's history and hands it to the oldest matching parked wait or buffers it
 * (lua/deliverInput-4.lua); output is appended by executions (appendOutput).
 */
export class StreamsSystem {
  constructor(
    private readonly resources: Resources,
    private readonly dispatch: DispatchSystem,
  ) {}

  /**
   * Delivers an input. A wait it resolves is resumed through BullMQ; the outbox entry
   * written first lets the sweeper finish the dispatch if this process dies before it.
   */
  async deliver(
    sessionId: string,
    stream: string,
    data: unknown,
    correlationId?: string,
    options: { publicTokenId?: string } = {},
    now = Date.now(),
  ): Promise<SendInputResult> {
    const deliveries = this.resources.metrics.inputDeliveries;
    try {
      const delivered = await this.deliverInput(sessionId, stream, data, correlationId, options, now);
      deliveries.inc({ outcome: delivered.status });
      return delivered;
    } catch (error) {
      if (HelmrError.is(error) && error.refused) deliveries.inc({ outcome: "rejected" });
      throw error;
    }
  }

  private async deliverInput(
    sessionId: string,
    stream: string,
    data: unknown,
    correlationId: string | undefined,
    options: { publicTokenId?: string },
    now: number,
  ): Promise<SendInputResult> {
    if (!isSessionId(sessionId)) throw notFound("session", sessionId);
    const { redis, keys } = this.resources;
    const intent = `${sessionId}:${now}:${Math.random().toString(36).slice(2, 8)}`;
    const guard = this.dispatch.replicationGuard();
    const delivery: ScriptCall<"deliverInput"> = {
      keys: {
        session: keys.session(sessionId),
        stream: keys.inputStream(sessionId, stream),
        consumed: keys.inputConsumed(sessionId, stream),
        publicToken: options.publicTokenId ? keys.publicToken(options.publicTokenId) : keys.session(sessionId),
      },
      args: {
        data: JSON.stringify(data),
        corr: correlationId ?? "",
        now,
        tagPrefix: keys.tagPrefix(sessionId),
        streamName: stream,
        withPublicToken: options.publicTokenId ? "1" : "0",
      },
      subject: sessionId,
    };
    // Sent one after the other on one connection, so Redis applies them in this order (the
    // outbox entry first); no pipeline object: building one costs more than the second write
    // on this, the hot path of every resume. On a cluster they go to two nodes, and the
    // outbox's may be failing over while the session's is up: whether the entry got there
    // only matters if the job cannot be added next, and then this process re-adds it
    // itself (DispatchSystem.ensureJobOfResumed).
    const [, delivered] = await sentTogether(redis, () =>
      Promise.all([this.dispatch.markIntent(redis, intent, now).catch(() => {}), callScript(redis, "deliverInput", delivery)]),
    ).catch((error) => {
      // Refused: nothing was delivered. Any other failure keeps the intent for the sweeper,
      // since the script may have run.
      if (HelmrError.is(error)) void this.dispatch.clearIntent(intent);
      throw error;
    });
    if (delivered.kind === "resumed") {
      const { runId, taskId, jobId, claim, warmWorker, supersededJob, waitedSince } = delivered;
      const wait = { kind: "input", stream, ...(correlationId ? { correlationId } : {}) };
      await this.dispatch.ensureJobOfResumed(jobOfClaim(runId, taskId, claim), jobId, warmWorker, supersededJob, { since: waitedSince, wait });
      this.resources.waiting.remove(runId, waitedSince);
      await this.dispatch.settleIntent(guard, intent, [runId]);
      return { entryId: delivered.entryId, status: "resumed", runId };
    }
    await this.dispatch.settleIntent(guard, intent);
    return { entryId: delivered.entryId, status: "buffered" };
  }

  /** A stream's input history, oldest first, with which wait consumed each entry. */
  async listInput(sessionId: string, stream: string, query: { after?: string; limit: number }): Promise<Page<InputEntry>> {
    await this.requireSession(sessionId);
    const { redis, keys } = this.resources;
    const { entries, next } = await readRange(redis, keys.inputStream(sessionId, stream), query.after, query.limit);
    const consumed = entries.length ? await redis.hmget(keys.inputConsumed(sessionId, stream), ...entries.map(([id]) => id)) : [];
    const data = entries.map(([id, fields], i): InputEntry => {
      const f = fieldsOf(fields);
      const by = consumed[i] ? (JSON.parse(consumed[i]!) as { runId: string; position: number; at: number }) : null;
      return {
        id,
        data: JSON.parse(f.d),
        correlationId: f.c || null,
        at: new Date(Number(f.at)).toISOString(),
        status: by ? "consumed" : "buffered",
        consumedBy: by && { runId: by.runId, position: by.position, at: new Date(by.at).toISOString() },
      };
    });
    return { data, nextCursor: next };
  }

  /** Output entries after a cursor (an entry id), oldest first. */
  async readOutput(sessionId: string, stream: string, query: { after?: string; limit: number }): Promise<Page<OutputEntry>> {
    await this.requireSession(sessionId);
    const { entries, next } = await readRange(this.resources.redis, this.resources.keys.outputStream(sessionId, stream), query.after, query.limit);
    return { data: entries.map(toOutputEntry), nextCursor: next };
  }

  /**
   * Output entries after `after`, at most `count`, oldest first: an XREAD that does not
   * block, on the shared connection. Event streams read with it: the one that follows a
   * stream for every subscriber of an API process, and a subscriber catching up on its own.
   */
  async outputAfter(sessionId: string, stream: string, after: string, count: number): Promise<OutputEntry[]> {
    const key = this.resources.keys.outputStream(sessionId, stream);
    const result = (await this.resources.redis.xread("COUNT", count, "STREAMS", key, after)) as [string, StreamEntry[]][] | null;
    return result ? result[0][1].map(toOutputEntry) : [];
  }

  /** The data of an input stream's buffered (unconsumed) inputs for one correlationId, oldest first. */
  async bufferedInputs(sessionId: string, stream: string, correlationId: string, limit: number): Promise<unknown[]> {
    const { redis, keys } = this.resources;
    const ids = await redis.zrange(keys.inputBuffer(sessionId, stream, correlationId), 0, limit - 1);
    const reads = batch(redis);
    for (const id of ids) reads.xrange(keys.inputStream(sessionId, stream), id, id);
    return ((await execOrThrow(reads)) as StreamEntry[][]).map(([[, fields]]) => JSON.parse(fieldsOf(fields).d));
  }

  /** The id of an input stream's newest entry ("0-0" when it has none): where waiting for new ones starts. */
  async lastInputId(sessionId: string, stream: string): Promise<string> {
    const newest = (await this.resources.redis.xrevrange(this.resources.keys.inputStream(sessionId, stream), "+", "-", "COUNT", 1)) as StreamEntry[];
    return newest[0]?.[0] ?? "0-0";
  }

  /**
   * A reader of one input stream's new entries (XREAD BLOCK), for a once() or on() that
   * waits for input while its run keeps running. It opens a blocking connection of its
   * own on first use (a blocked read would stall every other command on a shared one), and
   * closes it with close().
   */
  inputReader(sessionId: string, stream: string): InputReader {
    return new InputReader(this.resources.redis, this.resources.keys.inputStream(sessionId, stream));
  }

  async requireSession(sessionId: string): Promise<void> {
    if (!isSessionId(sessionId) || !(await this.resources.redis.exists(this.resources.keys.session(sessionId)))) {
      throw notFound("session", sessionId);
    }
  }

  /** Input stream schemas that workers published (JSON Schema text by stream name). */
  async publishedSchema(stream: string): Promise<string | null> {
    return this.resources.redis.hget(this.resources.keys.inputSchemas(), stream);
  }

  async publishSchemas(schemas: Record<string, string>): Promise<void> {
    if (Object.keys(schemas).length) await this.resources.redis.hset(this.resources.keys.inputSchemas(), schemas);
  }
}

async function readRange(redis: Redis, key: string, after: string | undefined, limit: number): Promise<{ entries: StreamEntry[]; next: string | null }> {
  const entries = (await redis.xrange(key, after ? `(${after}` : "-", "+", "COUNT", limit + 1)) as StreamEntry[];
  const more = entries.length > limit;
  const page = more ? entries.slice(0, limit) : entries;
  return { entries: page, next: more ? page[page.length - 1][0] : null };
}

export function toOutputEntry([id, fields]: StreamEntry): OutputEntry {
  const f = fieldsOf(fields);
  return { id, data: JSON.parse(f.d), runId: f.r, at: new Date(Number(f.at)).toISOString() };
}
