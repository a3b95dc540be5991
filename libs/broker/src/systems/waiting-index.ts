import type { ChainableCommander, Redis } from "ioredis";
import { runScript } from "../lua/index.ts";
import type { Resources } from "../resources.ts";
import { batch } from "../pipelines.ts";

/**
 * Members per bucket: Redis's default zset-max-listpack-entries, below which a sorted set
 * is a listpack (~55 bytes a member here against ~145 in a skiplist; ARCHITECTURE.md: 1 KB per
 * parked run).
 */
export const WAITING_BUCKET_SIZE = 128;
/** Buckets read per directory round trip while listing. */
const DIRECTORY_PAGE = 16;

/** A member of the index: a parked run and when it parked (ms), its score. */
export interface WaitingEntry {
  runId: string;
  since: number;
}

/**
 * The global index of parked runs, oldest first, for listing waits across sessions
 * (GET /waits). One sorted set would cost ~145 bytes a run; this keeps runs in buckets
 * of at most WAITING_BUCKET_SIZE, each a compact listpack, found through a directory of
 * their start scores (lua/addWaiting-2.lua has the invariant). A run is added before the
 * script that parks it (so a listing never misses one; entries of runs that did not park
 * are checked on read) and removed with the score it was added with by whoever ends its
 * wait: the scripts that end a wait report when it began (lua/includes/endWait.lua).
 */
export class WaitingIndex {
  constructor(
    private readonly resources: Pick<Resources, "redis" | "keys" | "logger">,
    /** Smaller in tests, to split buckets often. */
    private readonly bucketSize = WAITING_BUCKET_SIZE,
  ) {}

  add(target: ChainableCommander, runId: string, since: number): ChainableCommander {
    const { keys } = this.resources;
    return runScript(target, "addWaiting", [keys.waitingDirectory(), keys.waitingSequence()], [runId, since, keys.waitingBuckets(), this.bucketSize]);
  }

  /**
   * Not awaited on the hot paths: a failed removal is found and repaired by the next
   * listing. Removals asked for in one turn of the event loop go in one script, so a burst
   * of resumes costs one call, not one per run.
   */
  remove(runId: string, since: number | string | null | undefined): void {
    if (since === null || since === undefined || since === "") return;
    if (this.pendingRemovals.length === 0) setImmediate(() => this.flushRemovals());
    this.pendingRemovals.push(runId, String(Number(since)));
  }

  private pendingRemovals: string[] = [];

  private flushRemovals(): void {
    const pairs = this.pendingRemovals;
    this.pendingRemovals = [];
    const { keys, redis, logger } = this.resources;
    runScript<number>(redis, "removeWaiting", [keys.waitingDirectory()], [keys.waitingBuckets(), ...pairs]).catch((error) =>
      logger.warn({ err: error, runs: pairs.length / 2 }, "could not take runs out of the waiting index; the next wait listing will"),
    );
  }

  removeNow(target: Redis, runId: string, since: number): Promise<number> {
    const { keys } = this.resources;
    return runScript<number>(target, "removeWaiting", [keys.waitingDirectory()], [keys.waitingBuckets(), runId, since]);
  }

  /** Entries oldest first (by since, then run id), after `after` when given. */
  async *entries(after?: WaitingEntry): AsyncGenerator<WaitingEntry[]> {
    const { redis, keys } = this.resources;
    const directory = keys.waitingDirectory();
    // The bucket holding `after` (the last one starting at or before it), then those after it.
    let from = "-inf";
    if (after) {
      const [, start] = await redis.zrevrangebyscore(directory, after.since, "-inf", "WITHSCORES", "LIMIT", 0, 1);
      if (start !== undefined) from = start;
    }
    for (;;) {
      const flat = await redis.zrangebyscore(directory, from, "+inf", "WITHSCORES", "LIMIT", 0, DIRECTORY_PAGE);
      if (flat.length === 0) return;
      const pipeline = batch(redis);
      for (let i = 0; i < flat.length; i += 2) pipeline.zrange(keys.waitingBuckets() + flat[i], 0, -1, "WITHSCORES");
      for (const [error, members] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        const entries: WaitingEntry[] = [];
        const list = members as string[];
        for (let i = 0; i < list.length; i += 2) {
          const entry = { runId: list[i], since: Number(list[i + 1]) };
          if (!after || entry.since > after.since || (entry.since === after.since && entry.runId > after.runId)) entries.push(entry);
        }
        if (entries.length) yield entries;
      }
      from = `(${flat[flat.length - 1]}`;
    }
  }
}
