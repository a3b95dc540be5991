/** The global structures of one shard (Keys.shards, Keys.shardOf): a file of their own beside keys.ts, which re-exports them. */

/**
 * One shard's copy of the global structures (shards.ts), all under the hash tag
 * `{g<n>}`: the scripts and transactions that touch several of them (the waiting index's
 * directory and buckets, the change marks and those a snapshot is writing) stay in one
 * slot, and a session's writes to them (a resume's change mark, waiting-index removal and
 * outbox entry) go to one node of a cluster.
 */
export class ShardKeys {
  private readonly base: string;

  constructor(
    prefix: string,
    readonly shard: number,
  ) {
    this.base = `${prefix}:{g${shard}}:`;
  }

  /** The shard's sessions, in creation order: an id log (a stream, paging.ts). */
  sessionsIndex(): string {
    return `${this.base}sessions`;
  }
  /** The shard's runs, an id log like sessionsIndex. */
  runsIndex(): string {
    return `${this.base}runs`;
  }
  /** The shard's tokens, an id log like sessionsIndex. */
  tokensIndex(): string {
    return `${this.base}tokens`;
  }
  /** Runs triggered with a ttl, by when they expire if they have not started (RunsSystem.expireDue). */
  expiries(): string {
    return `${this.base}expiries`;
  }
  /** Runs whose next job an API process is about to add (ARCHITECTURE.md invariant 3). */
  dispatchOutbox(): string {
    return `${this.base}outbox`;
  }
  /**
   * The shard's parked runs, oldest first: small sorted sets (score: parked at) under this
   * prefix, listed in waitingDirectory() (waiting-index.ts).
   */
  waitingBuckets(): string {
    return `${this.base}waiting:`;
  }
  waitingDirectory(): string {
    return `${this.base}waiting:dir`;
  }
  /** Numbers the waiting index's buckets. */
  waitingSequence(): string {
    return `${this.base}waiting:seq`;
  }
  /** The waiting index's entries per kind of wait (hash: input, token, timer -> count), for the metrics. */
  waitingKinds(): string {
    return `${this.base}waiting:kinds`;
  }
  /** Units (session and token ids) changed since the last snapshot (Keys.changeMarkOf). */
  changes(): string {
    return `${this.base}changes`;
  }
  /** The changes a snapshot is writing now; merged back into changes() if it fails. */
  changesInFlight(): string {
    return `${this.base}changes:snapshotting`;
  }
  /**
   * Sessions and tokens the retention sweeper looks at next (zset: unit id -> when
   * something of it ended, or, once looked at, when it next comes due less the shortest
   * retention). Fed as scripts end runs, sessions and tokens (lua/run-script.ts).
   */
  retentionDue(): string {
    return `${this.base}due`;
  }
}
