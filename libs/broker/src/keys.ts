import { parsePublicTokenId, parseRunId, parseTokenId, sessionIdOfTag, sessionTag, tokenIdOf } from "@helmr/core";

/**
 * A hash tag's keys, by the name that follows its tag prefix (`<prefix>:{<tag>}:`): the one
 * list both Keys and the Lua scripts build key names from. lua/includes/keyNames.lua is
 * generated from it (scripts/build/lua-key-names.ts; test/unit/lua-keys.test.ts keeps the
 * two the same and fails on a script that builds a key name of its own).
 */
export const TAG_KEYS = {
  /** The session hash. */
  session: "s",
  /** + a run's own part: the run hash. */
  run: "r:",
  /** + a stream name: an input stream's history. */
  inputStream: "in:",
  /** + a stream name: which wait consumed each input. */
  inputConsumed: "inc:",
  /** + `<stream>|<correlationId>`: buffered inputs. */
  inputBuffer: "buf:",
  /** + a stream name: an output stream. */
  outputStream: "out:",
  /** + a public token's own part. */
  publicToken: "pat:",
  /** + a token's own part (under the token's tag). */
  token: "t:",
} as const;

/**
 * The one place Redis key names are built (CONTRIBUTING.md). Every key of a session shares the
 * hash tag `{<session tag>}`, and run ids carry that tag, so each Lua script touches a
 * single slot (ARCHITECTURE.md, "Scaling out"). Global indexes (lists, external ids,
 * idempotency keys) are written by plain commands, never from inside a script.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  /** `helmr:{TAG}:`: scripts that reach a session's runs by id build keys from this. */
  tagPrefix(sessionId: string): string {
    return this.underTag(sessionTag(sessionId));
  }

  /** `helmr:{TAG}:` for any hash tag (a session's, or a token's own). */
  underTag(tag: string): string {
    return `${this.prefix}:{${tag}}:`;
  }

  /** A SCAN pattern for every key under a session's or a token's hash tag (upper-case base32), not the global groups'. */
  taggedKeysPattern(): string {
    return `${this.prefix}:{[0-9A-Z]*`;
  }

  /**
   * BullMQ's key prefix: one hash tag for a queue's keys, so its scripts stay single-slot
   * too. Runs queue shard 0 under `{<prefix>}`; shard n > 0 under `{<prefix>:q<n>}`, a slot
   * of its own (queue-shards.ts).
   */
  queuePrefix(shard = 0): string {
    return shard === 0 ? `{${this.prefix}}` : `{${this.prefix}:q${shard}}`;
  }
  /**
   * A worker's own queue of warm resumes, under a hash tag of its own: most resumes go to
   * these, so on a cluster they spread over the masters with the workers, rather than all
   * landing on shard 0's.
   */
  warmQueuePrefix(workerId: string): string {
    return `{${this.prefix}:w:${workerId}}`;
  }
  /** How many runs queue shards the data under this prefix was written with (HELMR_QUEUE_SHARDS). */
  queueShards(): string {
    return `${this.prefix}:queue-shards`;
  }

  /** A SCAN pattern for every key under the prefix. */
  allKeysPattern(): string {
    return `${this.prefix}:*`;
  }

  session(sessionId: string): string {
    return this.tagPrefix(sessionId) + TAG_KEYS.session;
  }

  /** A session input stream's history (a Redis Stream). */
  inputStream(sessionId: string, stream: string): string {
    return this.tagPrefix(sessionId) + TAG_KEYS.inputStream + stream;
  }
  /** Which wait consumed each input entry of a stream. */
  inputConsumed(sessionId: string, stream: string): string {
    return this.tagPrefix(sessionId) + TAG_KEYS.inputConsumed + stream;
  }
  /** Buffered (unconsumed) input entry ids for one (stream, correlationId), oldest first. */
  inputBuffer(sessionId: string, stream: string, correlationId: string): string {
    return `${this.tagPrefix(sessionId)}${TAG_KEYS.inputBuffer}${stream}|${correlationId}`;
  }
  outputStream(sessionId: string, stream: string): string {
    return this.tagPrefix(sessionId) + TAG_KEYS.outputStream + stream;
  }

  run(runId: string): string {
    const { own, sessionId } = parseRunId(runId);
    return this.tagPrefix(sessionId) + TAG_KEYS.run + own;
  }

  /** A public access token's scope and uses, in its session's hash tag. */
  publicToken(id: string): string {
    const parsed = parsePublicTokenId(id);
    if (!parsed) throw new Error(`not a public token id: ${id}`);
    return this.underTag(parsed.tag) + TAG_KEYS.publicToken + parsed.own;
  }

  token(tokenId: string): string {
    const { own, tag } = parseTokenId(tokenId);
    return this.underTag(tag) + TAG_KEYS.token + own;
  }
  /** All tokens, an id log like sessionsIndex. */
  tokensIndex(): string {
    return `${this.prefix}:tokens`;
  }
  tokensByTag(tag: string): string {
    return `${this.prefix}:tokens:tag:${tag}`;
  }
  tokenByIdempotencyKey(key: string): string {
    return `${this.prefix}:tokens:idem:${key}`;
  }

  /** All sessions, in creation order: an id log (a stream, paging.ts). */
  sessionsIndex(): string {
    return `${this.prefix}:sessions`;
  }
  sessionsByTag(tag: string): string {
    return `${this.prefix}:sessions:tag:${tag}`;
  }
  sessionByExternalId(externalId: string): string {
    return `${this.prefix}:sessions:ext:${externalId}`;
  }
  /** All runs, an id log like sessionsIndex. */
  runsIndex(): string {
    return `${this.prefix}:runs`;
  }
  /**
   * `|` separates the task id from the key: task ids never contain it (core's Name), so no
   * two (task, key) pairs share a Redis key, whatever `:` either holds.
   */
  runByIdempotencyKey(taskId: string, key: string): string {
    return `${this.prefix}:idem:${taskId}|${key}`;
  }
  /**
   * Parked runs, oldest first: small sorted sets (score: parked at) under this prefix,
   * listed in waitingDirectory() (systems/waiting-index.ts). A global index whose scripts
   * touch the directory, the sequence and a bucket at once: they share the hash tag
   * `{waiting}`, so on a cluster they live in one slot.
   */
  waitingBuckets(): string {
    return `${this.prefix}:{${WAITING_TAG}}:`;
  }
  waitingDirectory(): string {
    return `${this.prefix}:{${WAITING_TAG}}:dir`;
  }
  /** Numbers the waiting index's buckets. */
  waitingSequence(): string {
    return `${this.prefix}:{${WAITING_TAG}}:seq`;
  }
  /** JSON Schemas of input streams, published by workers (stream name to schema). */
  inputSchemas(): string {
    return `${this.prefix}:schemas:input`;
  }
  tasks(): string {
    return `${this.prefix}:tasks`;
  }
  /** Runs whose next job an API process is about to add (ARCHITECTURE.md invariant 3). */
  dispatchOutbox(): string {
    return `${this.prefix}:outbox`;
  }
  /** Workers alive, for warm resumes: a sorted set of worker ids by when their heartbeat runs out (systems/warm-workers.ts). */
  workers(): string {
    return `${this.prefix}:workers`;
  }
  /** The tasks each worker in workers() hosts (worker id to a JSON list), for handing on a job of a task another worker hosts. */
  workerTasks(): string {
    return `${this.prefix}:workers:tasks`;
  }
  /** Held by the one process sweeping what passed its retention (systems/retention.ts). */
  retentionLock(): string {
    return `${this.prefix}:retention:lock`;
  }
  /** Where each id log's retention sweep goes on from: log key to the last entry id looked at ("" to start over). */
  retentionCursors(): string {
    return `${this.prefix}:retention:cursors`;
  }
  /**
   * Sessions and tokens the retention sweeper looks at next (zset: unit id -> when
   * something of it ended, or, once looked at, when it next comes due less the shortest
   * retention). Fed as scripts end runs, sessions and tokens (lua/run-script.ts).
   */
  retentionDue(): string {
    return retentionDueKey(this.prefix);
  }
  sweeperLock(): string {
    return `${this.prefix}:sweeper`;
  }

  /** The version of the layout of everything under the prefix (engine.ts, LAYOUT_VERSION). */
  layout(): string {
    return `${this.prefix}:layout`;
  }

  /**
   * Units (session and token ids) changed since the last snapshot (see changedUnitOf). The
   * snapshot bookkeeping keys share the hash tag `{snapshot}`: a snapshot moves the marks
   * aside and records its chain in one MULTI.
   */
  changes(): string {
    return changesKey(this.prefix);
  }
  /** The changes a snapshot is writing now; merged back into changes() if it fails. */
  changesInFlight(): string {
    return `${this.prefix}:{${SNAPSHOT_TAG}}:changes:snapshotting`;
  }
  /** Held by the one process writing a snapshot. */
  snapshotLock(): string {
    return `${this.prefix}:{${SNAPSHOT_TAG}}:lock`;
  }
  /** Which snapshot comes next: counts increments since the last full one. */
  snapshotState(): string {
    return `${this.prefix}:{${SNAPSHOT_TAG}}:state`;
  }
}

/** Hash tags of global key groups; lower case, so never a session's or a token's (base32, upper case). */
const WAITING_TAG = "waiting";
const SNAPSHOT_TAG = "snapshot";

const changesKey = (prefix: string) => `${prefix}:{${SNAPSHOT_TAG}}:changes`;
const retentionDueKey = (prefix: string) => `${prefix}:retention:due`;

/**
 * The snapshot unit a script's first key belongs to, and the set that collects changed
 * units. A snapshot captures a session whole (every key of its tag but tokens) and a token
 * alone (one hash: `{TAG}:t:<own>` is token `tok_<own>_<TAG>`).
 */
export function changedUnitOf(key: string): { changes: string; due: string; unit: string } | null {
  const open = key.indexOf(":{");
  const close = key.indexOf("}:", open);
  if (open < 0 || close < 0) return null;
  const tag = key.slice(open + 2, close);
  if (tag === WAITING_TAG || tag === SNAPSHOT_TAG) return null;
  const rest = key.slice(close + 2);
  const unit = rest.startsWith(TAG_KEYS.token) ? tokenIdOf(rest.slice(TAG_KEYS.token.length), tag) : sessionIdOfTag(tag);
  return { changes: changesKey(key.slice(0, open)), due: retentionDueKey(key.slice(0, open)), unit };
}
