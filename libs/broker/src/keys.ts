import { parsePublicTokenId, parseRunId, parseTokenId, sessionIdOfTag, sessionTag, tokenIdOf } from "@helmr/core";
import { shardOfTag, tagOfId } from "./shards.ts";
import { ShardKeys } from "./shard-keys.ts";

export { ShardKeys };

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
 * Flow control's keys (systems/flow.ts), by the name that follows `<prefix>:{limits}:`: one
 * hash tag, so one script checks a task's limit, its keys' limits, its rate and the shared
 * limits it names at once. A scope is a task id, or `@<name>` for a shared limit;
 * `<scope>|<key>` names one concurrencyKey of a task ("" for none).
 * lua/includes/keyNames.lua's SLOT is generated from this.
 */
export const SLOT_KEYS = {
  /** Scope to the limits in force, JSON `{ limit, perKey, rate, periodMs, ratePerKey }` (each absent for none). */
  limits: "limits",
  /** Scope to the limits its task's code declares (written by workers as they start). */
  codeLimits: "limits:code",
  /** Scope to the limits set at runtime (PUT /tasks/:taskId/limits); a 0 there lifts the code's. */
  setLimits: "limits:set",
  /** Task to when it was paused (POST /tasks/:taskId/pause): its runs start and resume nothing until it is resumed. */
  paused: "paused",
  /** Run id to its record while it waits for a slot or holds one: JSON (includes/slots.lua). */
  runs: "runs",
  /** Runs holding a slot by when their lease runs out. */
  leases: "leases",
  /** Scope to how many slots are held; + scope: key to how many. */
  held: "held",
  heldByKey: "held:",
  /** Scope to how many runs wait for a slot; + scope: key to how many. */
  queued: "queued",
  queuedByKey: "queued:",
  /** Scope to how many runs ever had to wait; + scope: key to how many since the key was last idle. */
  throttled: "throttled",
  throttledByKey: "throttled:",
  /** + `<scope>|<key>`: the runs waiting for a slot, in order (resumes, then priority, then arrival). */
  queue: "q:",
  /** + scope: its keys with a waiter that may start, in turn (round robin within a rank). */
  ready: "ready:",
  /** + scope, or `<scope>|<key>` per key: when the last starts in the rate's period were. */
  rate: "rate:",
  /** + a shared limit's scope (`@<name>`): the tasks whose limits name it, by when each last had a turn at it. */
  sharedBy: "shared:",
  /** Scopes (or `<scope>|<key>`) to look at again at a time: a rate's window opening, or more to grant. */
  timers: "timers",
  /** Numbers arrivals, turns and grants. */
  sequence: "seq",
} as const;

/**
 * The fields of a session hash that name a run or token of the session, each followed by
 * its own id part (lua/includes/keyNames.lua's PART is generated from this too). A stream's
 * entry count and a public token are named by their key's TAG_KEYS prefix instead.
 */
export const SESSION_PARTS = {
  /** A run that has not finished. */
  activeRun: "a:",
  /** A run that finished (completed, failed, cancelled, continued), until retention deletes it. */
  finishedRun: "f:",
  /** A token one of its runs created under its tag ("deleted" once retention deleted it). */
  runToken: "tok:",
  /** A schedule whose runs run in the session: erasing the session deletes it (systems/schedules.ts). */
  schedule: "sch:",
} as const;

/**
 * The one place Redis key names are built (CONTRIBUTING.md). Every key of a session shares the
 * hash tag `{<session tag>}`, and run ids carry that tag, so each Lua script touches a
 * single slot (ARCHITECTURE.md, "Scaling out"). Global indexes (lists, external ids,
 * idempotency keys) are written by plain commands, never from a session's script; the
 * global structures every resume or trigger writes come in a copy per shard (ShardKeys).
 */
export class Keys {
  /** Each shard's global structures (shards.ts), index = shard. */
  readonly shards: ShardKeys[];

  constructor(
    readonly prefix: string,
    /** HELMR_QUEUE_SHARDS: how many copies of each global structure there are. */
    readonly shardCount = 1,
  ) {
    this.shards = Array.from({ length: Math.max(1, shardCount) }, (_, shard) => new ShardKeys(prefix, shard));
  }

  /**
   * The dispatch outbox an intent goes to, its shard's: an intent is a run or token id, or
   * `<sessionId>:<nonce>` (systems/outbox-sweeper.ts).
   */
  outboxOf(intent: string): string {
    const colon = intent.indexOf(":");
    return this.shardOf(colon < 0 ? intent : intent.slice(0, colon)).dispatchOutbox();
  }

  /** The global structures of the shard a session, run, token or public token id belongs to. */
  shardOf(id: string): ShardKeys {
    if (this.shards.length === 1) return this.shards[0];
    return this.shards[shardOfTag(tagOfId(id), this.shards.length)];
  }

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
   * of its own (shards.ts).
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
  tokensByTag(tag: string): string {
    return `${this.prefix}:tokens:tag:${tag}`;
  }
  tokenByIdempotencyKey(key: string): string {
    return `${this.prefix}:tokens:idem:${key}`;
  }

  sessionsByTag(tag: string): string {
    return `${this.prefix}:sessions:tag:${tag}`;
  }
  sessionByExternalId(externalId: string): string {
    return `${this.prefix}:sessions:ext:${externalId}`;
  }
  /**
   * `|` separates the task id from the key: task ids never contain it (core's Name), so no
   * two (task, key) pairs share a Redis key, whatever `:` either holds.
   */
  runByIdempotencyKey(taskId: string, key: string): string {
    return `${this.prefix}:idem:${taskId}|${key}`;
  }
  /** The run a debounce key of a task stands for, JSON `{ sessionId, runId }`, until its delay after the last trigger (systems/runs.ts). */
  debounce(taskId: string, key: string): string {
    return `${this.prefix}:debounce:${taskId}|${key}`;
  }
  /** JSON Schemas of input streams, published by workers (stream name to schema). */
  inputSchemas(): string {
    return `${this.prefix}:schemas:input`;
  }
  tasks(): string {
    return `${this.prefix}:tasks`;
  }
  /** Workers alive, for warm resumes: a sorted set of worker ids by when their heartbeat runs out (systems/warm-workers.ts). */
  workers(): string {
    return `${this.prefix}:workers`;
  }
  /** What each worker in workers() runs: worker id to JSON `{ tasks, version, startedAt }`, for handing on a job of a task or version another worker runs. */
  workerTasks(): string {
    return `${this.prefix}:workers:tasks`;
  }
  /** The versions of task code workers have started: version to JSON `{ firstStartedAt, lastStartedAt }` (systems/versions.ts). */
  versions(): string {
    return `${this.prefix}:versions`;
  }
  /** The version an operator promoted to current: JSON `{ version, at }` (systems/versions.ts). */
  promotedVersion(): string {
    return `${this.prefix}:versions:promoted`;
  }
  /** What the last walk of the parked runs counted per version: JSON (systems/versions.ts, VersionCensus). */
  versionCensus(): string {
    return `${this.prefix}:versions:census`;
  }
  /** Held (PX) by the one worker of a version walking the parked runs of older versions to upgrade them (libs/sdk/src/worker/upgrader.ts). */
  upgradeSweepLock(version: string): string {
    return `${this.prefix}:versions:sweep:${version}`;
  }
  /** `<prefix>:{limits}:`: every flow-control key is this and a SLOT_KEYS name (systems/flow.ts). */
  slotsBase(): string {
    return `${this.prefix}:{limits}:`;
  }
  /** A flow-control key by its SLOT_KEYS name, with the scope (and key) it is of, if any. */
  slots(name: keyof typeof SLOT_KEYS, scope = ""): string {
    return this.slotsBase() + SLOT_KEYS[name] + scope;
  }
  /**
   * A schedules key (systems/schedules.ts), all under `<prefix>:{schedules}:`, so one
   * transaction writes a schedule's record and its indexes together:
   * records: id to the stored schedule (JSON); order: ids by when they were created (paging);
   * dedup: a deduplicationKey to its schedule's id; fires: id to its last fire, JSON
   * `{ runId, scheduledAt }`; declared: a version of task code to the schedules its code
   * declares (JSON, written as its workers start); sync: held by the one process syncing the
   * declared schedules.
   */
  schedules(name: "records" | "order" | "dedup" | "fires" | "declared" | "sync"): string {
    return `${this.prefix}:{schedules}:${name}`;
  }
  /** BullMQ's key prefix for the schedules queue, whose job schedulers fire the schedules: a hash tag of its own. */
  schedulesQueuePrefix(): string {
    return `{${this.prefix}:schedules}`;
  }
  /**
   * A bulk action's record (a hash), or `order`, the bulk actions by when they began (a
   * sorted set), all under `{bulk}` (systems/bulk-actions.ts). A finished record expires a
   * week later; `order` drops entries older than that as actions begin.
   */
  bulkActions(name: "order" | `a:${string}`): string {
    return `${this.prefix}:{bulk}:${name}`;
  }
  /**
   * Webhook endpoints, under `{webhooks}` (systems/webhooks.ts): `endpoints`, id → the
   * endpoint (JSON); `failures`, id → failed deliveries in a row; `disabled`, id → when it
   * was disabled; `log:<id>`, its last deliveries (a list, newest first).
   */
  webhooks(name: "endpoints" | "failures" | "disabled" | `log:${string}`): string {
    return `${this.prefix}:{webhooks}:${name}`;
  }
  /** BullMQ's key prefix for the queue of webhook deliveries: a hash tag of its own. */
  webhooksQueuePrefix(): string {
    return `{${this.prefix}:webhooks}`;
  }
  /** BullMQ's key prefix for the queue that carries bulk actions' jobs: a hash tag of its own. */
  bulkActionsQueuePrefix(): string {
    return `{${this.prefix}:bulk}`;
  }
  /** Held by the one process sweeping what passed its retention (systems/retention.ts). */
  retentionLock(): string {
    return `${this.prefix}:retention:lock`;
  }
  /** Where each id log's retention sweep goes on from: log key to the last entry id looked at ("" to start over). */
  retentionCursors(): string {
    return `${this.prefix}:retention:cursors`;
  }
  sweeperLock(): string {
    return `${this.prefix}:sweeper`;
  }

  /** The version of the layout of everything under the prefix (engine.ts, LAYOUT_VERSION). */
  layout(): string {
    return `${this.prefix}:layout`;
  }

  /**
   * The snapshot unit a script's first key belongs to (null for a global key), and its
   * shard, whose change marks collect it. A snapshot captures a session whole (every key of
   * its tag but tokens) and a token alone (one hash: `{TAG}:t:<own>` is token
   * `tok_<own>_<TAG>`).
   */
  changeMarkOf(key: string): { shard: ShardKeys; unit: string } | null {
    const open = key.indexOf(":{");
    const close = key.indexOf("}:", open);
    if (open < 0 || close < 0) return null;
    const tag = key.slice(open + 2, close);
    if (!UNIT_TAG.test(tag)) return null;
    const rest = key.slice(close + 2);
    const unit = rest.startsWith(TAG_KEYS.token) ? tokenIdOf(rest.slice(TAG_KEYS.token.length), tag) : sessionIdOfTag(tag);
    return { shard: this.shards[shardOfTag(tag, this.shards.length)], unit };
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

const SNAPSHOT_TAG = "snapshot";

/** A session's or a token's own hash tag: upper-case base32 (core's ids), never a global group's. */
const UNIT_TAG = /^[0-9A-Z]+$/;
