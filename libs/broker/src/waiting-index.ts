import { WAIT_KINDS, WAIT_KIND_TABLE, type WaitKind } from "@helmr/core";
import type { ChainableCommander, Redis } from "ioredis";
import { callScript, queueScript } from "./lua/index.ts";
import type { Logger } from "pino";
import type { Keys, ShardKeys } from "./keys.ts";
import { batch, execOrThrow } from "./pipelines.ts";
import { groupByKey } from "./shards.ts";

/**
 * Members per bucket: Redis's default zset-max-listpack-entries, below which a sorted set
 * is a listpack (~55 bytes a member here against ~145 in a skiplist; ARCHITECTURE.md: 1 KB per
 * parked run).
 */
export const WAITING_BUCKET_SIZE = 128;
/** Buckets read per directory round trip while listing. */
const DIRECTORY_PAGE = 16;

/**
 * An entry's score is when its wait began (ms) plus its kind's fraction (WAIT_KIND_TABLE),
 * so the index can count its entries per kind without reading the runs (the metrics).
 * Entries written before kinds were kept have none.
 */
const FRACTIONS_ARG = WAIT_KINDS.map((kind) => `${WAIT_KIND_TABLE[kind].indexFraction}=${kind}`).join(",");

/** A member of the index: a parked run, when it parked (ms, the whole part of its score), and its score, which orders the index. */
export interface WaitingEntry {
  runId: string;
  since: number;
  score: number;
}

/** Where a listing resumes: after this score and run id (the index's order). */
export type WaitingPosition = Pick<WaitingEntry, "score" | "runId">;

/**
 * The global index of parked runs (a copy per shard, shards.ts), oldest first, for listing waits across sessions
 * (GET /waits). One sorted set would cost ~145 bytes a run; this keeps runs in buckets
 * of at most WAITING_BUCKET_SIZE, each a compact listpack, found through a directory of
 * their start scores (lua/addWaiting-3.lua has the invariant). A run is added before the
 * script that parks it (so a listing never misses one; entries of runs that did not park
 * are checked on read) and removed with the score it was added with by whoever ends its
 * wait: the scripts that end a wait report when it began (lua/includes/endWait.lua).
 */
export class WaitingIndex {
  constructor(
    private readonly resources: { redis: Redis; keys: Keys; logger: Logger },
    /** Smaller in tests, to split buckets often. */
    private readonly bucketSize = WAITING_BUCKET_SIZE,
  ) {}

  add(target: ChainableCommander, runId: string, since: number, kind: WaitKind): ChainableCommander {
    const shard = this.resources.keys.shardOf(runId);
    return queueScript(target, "addWaiting", {
      keys: { dir: shard.waitingDirectory(), sequence: shard.waitingSequence(), kinds: shard.waitingKinds() },
      args: {
        member: runId,
        score: `${since}${WAIT_KIND_TABLE[kind].indexFraction}`,
        prefix: shard.waitingBuckets(),
        size: this.bucketSize,
        kind,
        fractions: FRACTIONS_ARG,
      },
    });
  }

  /** Parked runs per kind of wait, over every shard: one HGETALL a shard, in one batch. */
  async countsByKind(): Promise<Record<WaitKind, number>> {
    const { redis, keys } = this.resources;
    const reads = batch(redis);
    for (const shard of keys.shards) reads.hgetall(shard.waitingKinds());
    const counts = Object.fromEntries(WAIT_KINDS.map((kind) => [kind, 0])) as Record<WaitKind, number>;
    for (const perKind of (await execOrThrow(reads)) as Record<string, string>[]) {
      for (const [kind, count] of Object.entries(perKind)) if (kind in counts) counts[kind as WaitKind] += Number(count);
    }
    return counts;
  }

  /**
   * Not awaited on the hot paths: a failed removal is found and repaired by the next
   * listing. Removals asked for in one turn of the event loop go in one script per shard,
   * so a burst of resumes costs a call per shard, not one per run.
   */
  remove(runId: string, since: number | string | null | undefined): void {
    if (since === null || since === undefined || since === "") return;
    if (this.pendingRemovals.length === 0) setImmediate(() => this.flushRemovals());
    this.pendingRemovals.push({ runId, since: String(Number(since)) });
  }

  private pendingRemovals: { runId: string; since: string }[] = [];

  private flushRemovals(): void {
    const removals = this.pendingRemovals;
    this.pendingRemovals = [];
    const { keys, redis, logger } = this.resources;
    for (const [index, ofShard] of groupByKey(removals, ({ runId }) => String(keys.shardOf(runId).shard))) {
      const shard = keys.shards[Number(index)];
      const pairs = ofShard.flatMap(({ runId, since }) => [runId, since]);
      callScript(redis, "removeWaiting", {
        keys: { dir: shard.waitingDirectory(), kinds: shard.waitingKinds() },
        args: { prefix: shard.waitingBuckets(), fractions: FRACTIONS_ARG },
        rest: pairs,
      }).catch((error) => logger.warn({ err: error, runs: ofShard.length }, "could not take runs out of the waiting index; the next wait listing will"));
    }
  }

  removeNow(target: Redis, runId: string, since: number): Promise<number> {
    const shard = this.resources.keys.shardOf(runId);
    return callScript(target, "removeWaiting", {
      keys: { dir: shard.waitingDirectory(), kinds: shard.waitingKinds() },
      args: { prefix: shard.waitingBuckets(), fractions: FRACTIONS_ARG },
      rest: [runId, since],
    });
  }

  /**
   * Entries oldest first (by score, then run id), after `after` when given, over every
   * shard: each shard's buckets are read in order, and what every shard has read up to is
   * handed on merged (no shard can still have an entry before it).
   */
  async *entries(after?: WaitingPosition): AsyncGenerator<WaitingEntry[]> {
    const shards = this.resources.keys.shards;
    if (shards.length === 1) return yield* this.entriesOf(shards[0], after);
    const readers = shards.map((shard) => this.entriesOf(shard, after));
    const buffered: WaitingEntry[][] = shards.map(() => []);
    const exhausted = shards.map(() => false);
    for (;;) {
      await Promise.all(
        readers.map(async (reader, i) => {
          while (!exhausted[i] && buffered[i].length === 0) {
            const next = await reader.next();
            if (next.done) exhausted[i] = true;
            else buffered[i] = next.value;
          }
        }),
      );
      const open = buffered.flatMap((entries, i) => (exhausted[i] ? [] : [entries[entries.length - 1]]));
      const bound = open.length ? open.reduce((low, entry) => (isBefore(entry, low) ? entry : low)) : null;
      const ready: WaitingEntry[] = [];
      buffered.forEach((entries, i) => {
        const cut = bound ? entries.findIndex((entry) => isBefore(bound, entry)) : -1;
        ready.push(...(cut < 0 ? entries : entries.slice(0, cut)));
        buffered[i] = cut < 0 ? [] : entries.slice(cut);
      });
      if (ready.length === 0) return;
      yield ready.sort((a, b) => (isBefore(a, b) ? -1 : 1));
    }
  }

  /** One shard's entries, oldest first, a bucket at a time. */
  private async *entriesOf(shard: ShardKeys, after?: WaitingPosition): AsyncGenerator<WaitingEntry[]> {
    const { redis } = this.resources;
    const directory = shard.waitingDirectory();
    // The bucket holding `after` (the last one starting at or before it), then those after it.
    let from = "-inf";
    if (after) {
      const [, start] = await redis.zrevrangebyscore(directory, after.score, "-inf", "WITHSCORES", "LIMIT", 0, 1);
      if (start !== undefined) from = start;
    }
    for (;;) {
      const flat = await redis.zrangebyscore(directory, from, "+inf", "WITHSCORES", "LIMIT", 0, DIRECTORY_PAGE);
      if (flat.length === 0) return;
      const pipeline = batch(redis);
      for (let i = 0; i < flat.length; i += 2) pipeline.zrange(shard.waitingBuckets() + flat[i], 0, -1, "WITHSCORES");
      for (const [error, members] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        const entries: WaitingEntry[] = [];
        const list = members as string[];
        for (let i = 0; i < list.length; i += 2) {
          const score = Number(list[i + 1]);
          const entry = { runId: list[i], since: Math.floor(score), score };
          if (!after || isBefore(after, entry)) entries.push(entry);
        }
        if (entries.length) yield entries;
      }
      from = `(${flat[flat.length - 1]}`;
    }
  }
}

/** The index's order: by score (when the wait began, its kind's fraction after), then run id. */
const isBefore = (a: WaitingPosition, b: WaitingPosition): boolean => a.score < b.score || (a.score === b.score && a.runId < b.runId);
