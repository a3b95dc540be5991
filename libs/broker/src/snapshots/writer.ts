import { isSessionId, isTokenId } from "@helmr/core";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Keys } from "../keys.ts";
import { callScript } from "../lua/index.ts";
import { idsOfLog } from "../paging.ts";
import { batch, deleteEach, execOrThrow } from "../pipelines.ts";
import { listSnapshots, readManifest } from "./catalog.ts";
import { LAYOUT_VERSION } from "../engine.ts";
import { encodePart, encodeUnit, manifestName, newSnapshotId, partName, SNAPSHOT_FORMAT_VERSION, type Manifest } from "./format.ts";
import type { SnapshotStore } from "./stores/store.ts";
import { readSessionUnit, readTokenUnits, sessionUnitOf, type UnitRecord } from "./units.ts";
import { LOCK_TTL_MS, markAttended, releaseSnapshotLock, takeSnapshotLock } from "./lock.ts";

export interface SnapshotPolicy {
  /** A full snapshot after this many incremental ones (0: every snapshot is full). */
  fullEvery: number;
  /** Full snapshots kept, each with the increments on top of it. */
  retain: number;
  /** Between periodic snapshots, when they are taken: how long an attempt vouches for the next (markAttended). */
  intervalMs?: number;
}

export interface SnapshotResult {
  manifest: Manifest;
  location: string;
  durationMs: number;
}

export class SnapshotInProgressError extends Error {
  override name = "SnapshotInProgressError";
  constructor() {
    super("another process is writing a snapshot right now; try again when it finishes");
  }
}

/**
 * Units read per round trip. Redis runs one client's pipeline before serving the next, and
 * reading a session costs it ~50 µs, so small batches (one in flight) keep a delivery from
 * queueing long behind a running snapshot. Tokens are single HGETALLs, far cheaper.
 */
const BATCH = 10;

/**
 * A snapshot paces itself: after each batch it rests as long as the batch took, so Redis
 * and the process's event loop serve deliveries at least half the time. Measured (20,000
 * parked runs, BENCHMARKS.md): resumes during a full snapshot 2.1 ms p50 paced against
 * 3.3 ms unpaced (1.4 ms with no snapshot); the snapshot takes about twice as long.
 */
/**
 * Moves a set's members into another of the same shard and answers what that one holds
 * then, in one MULTI: a member added meanwhile is either moved or left for next time.
 */
async function moveSet(redis: Redis, from: string, to: string): Promise<string[]> {
  const results = await redis.multi().sunionstore(to, to, from).del(from).smembers(to).exec();
  const [error, members] = results?.[2] ?? [new Error("the change marks' transaction was discarded")];
  if (error) throw error;
  return members as string[];
}

const rest = (batchMs: number) => new Promise((resolve) => setTimeout(resolve, batchMs));
/** A part is closed once its NDJSON reaches this size (before compression). */
const PART_BYTES = 8 * 1024 * 1024;

/**
 * Writes snapshots (format.ts). Which units changed is collected as changes happen: every
 * script marks its unit (lua/run-script.ts), and a snapshot takes the marks at its start. If
 * it fails (storage down, say) the marks go back, so the next one carries them.
 *
 * Reads use their own connection: a session's dump can be a large reply, and it must not
 * queue in front of the commands that deliver inputs and resume runs.
 */
export class SnapshotWriter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly store: SnapshotStore,
    private readonly policy: SnapshotPolicy,
    private readonly logger: Logger,
  ) {}

  async create(options: { full?: boolean } = {}): Promise<SnapshotResult> {
    const started = Date.now();
    await markAttended(this.redis, this.keys, this.policy.intervalMs);
    const lock = await this.takeLock();
    if (!lock) throw new SnapshotInProgressError();
    const id = newSnapshotId();
    const written: string[] = [];
    try {
      const { parent, increments } = options.full ? { parent: null, increments: 0 } : await this.nextInChain();
      const unitIds = await this.takeChanges(parent === null);
      const manifest = await this.write(id, parent, unitIds, written, () => this.extendLock(lock));
      // The chain first: dying before the marks it wrote are dropped only writes them again.
      await this.redis.hset(this.keys.snapshotState(), "last", id, "increments", increments);
      await deleteEach(
        this.redis,
        this.keys.shards.map((shard) => shard.changesInFlight()),
      );
      await this.prune().catch((error) => this.logger.warn({ err: error }, "could not prune old snapshots; will try after the next one"));
      return { manifest, location: this.store.locationOf(id), durationMs: Date.now() - started };
    } catch (error) {
      await this.returnChanges();
      await this.store.remove(written).catch(() => {});
      throw error;
    } finally {
      await this.releaseLock(lock);
    }
  }

  /**
   * Drops the change marks, for when no periodic snapshot clears them; the next snapshot
   * is then a full one, since an increment could no longer say what changed. Skipped while
   * a snapshot is being written (it takes the marks itself).
   */
  async forgetChanges(): Promise<void> {
    const lock = await this.takeLock();
    if (!lock) return;
    try {
      await this.redis.hdel(this.keys.snapshotState(), "last");
      await deleteEach(
        this.redis,
        this.keys.shards.map((shard) => shard.changes()),
      );
    } finally {
      await this.releaseLock(lock);
    }
  }

  private takeLock(): Promise<string | null> {
    return takeSnapshotLock(this.redis, this.keys);
  }

  private releaseLock(lock: string): Promise<void> {
    return releaseSnapshotLock(this.redis, this.keys, lock);
  }

  /**
   * The snapshot the next one adds to and the next one's count of increments since the
   * last full one; parent null (and count 0) when the next one must be full.
   */
  private async nextInChain(): Promise<{ parent: string | null; increments: number }> {
    const [last, count] = await this.redis.hmget(this.keys.snapshotState(), "last", "increments");
    const increments = Number(count ?? 0);
    if (!last || increments >= this.policy.fullEvery) return { parent: null, increments: 0 };
    // A parent missing from the store (pruned by hand, another bucket) would break the chain.
    return (await readManifest(this.store, last)) ? { parent: last, increments: increments + 1 } : { parent: null, increments: 0 };
  }

  /**
   * Moves each shard's change marks aside (atomically per shard, so a mark made meanwhile
   * stays for the next snapshot) and returns the units to write: the marked ones, or every
   * unit for a full snapshot. Marks left aside by a snapshot that died are taken along.
   */
  private async takeChanges(full: boolean): Promise<string[]> {
    const { keys, redis } = this;
    const moved = await Promise.all(keys.shards.map((shard) => moveSet(redis, shard.changes(), shard.changesInFlight())));
    if (!full) return [...new Set(moved.flat())].sort();
    // A set: an id log may hold an id twice after a crash mid-create (paging.ts).
    const units = new Set<string>();
    for (const shard of keys.shards)
      for (const key of [shard.sessionsIndex(), shard.tokensIndex()]) for await (const ids of idsOfLog(redis, key)) for (const id of ids) units.add(id);
    return [...units];
  }

  private async returnChanges(): Promise<void> {
    await Promise.all(this.keys.shards.map((shard) => moveSet(this.redis, shard.changesInFlight(), shard.changes()))).catch((error) =>
      this.logger.error({ err: error }, "could not put snapshot change marks back; the next full snapshot covers them"),
    );
  }

  private async write(id: string, parent: string | null, unitIds: string[], written: string[], keepLock: () => Promise<void>): Promise<Manifest> {
    const parts: Manifest["parts"] = [];
    let lines: string[] = [];
    let pendingBytes = 0;
    let sessions = 0;
    let tokens = 0;
    const flush = async () => {
      if (lines.length === 0) return;
      const name = partName(id, parts.length + 1);
      const body = await encodePart(lines);
      await this.store.put(name, body);
      written.push(name);
      parts.push({ name: name.slice(id.length + 1), units: lines.length, bytes: body.length });
      lines = [];
      pendingBytes = 0;
    };
    let lockCheckedAt = Date.now();
    // One batch is read while the one before it is encoded.
    // Only an increment records what is gone: a full snapshot simply holds what there is.
    const tombstones = parent !== null;
    let reading = this.readUnits(unitIds.slice(0, BATCH), tombstones);
    let batchStarted = performance.now();
    for (let i = 0; i < unitIds.length; i += BATCH) {
      const units = await reading;
      await rest(performance.now() - batchStarted);
      batchStarted = performance.now();
      if (i + BATCH < unitIds.length) reading = this.readUnits(unitIds.slice(i + BATCH, i + 2 * BATCH), tombstones);
      for (const unit of units) {
        // Counted: the units the snapshot holds (tombstones are not).
        if (!unit.deleted && isSessionId(unit.unit)) sessions++;
        else if (!unit.deleted) tokens++;
        const line = encodeUnit(unit);
        lines.push(line);
        pendingBytes += line.length;
      }
      if (pendingBytes >= PART_BYTES) await flush();
      if (Date.now() - lockCheckedAt > LOCK_TTL_MS / 4) {
        await keepLock();
        lockCheckedAt = Date.now();
      }
    }
    await flush();
    const [tasks, inputSchemas, schedules] = await Promise.all([
      this.redis.hgetall(this.keys.tasks()),
      this.redis.hgetall(this.keys.inputSchemas()),
      this.redis.hgetall(this.keys.schedules("records")),
    ]);
    const manifest: Manifest = {
      version: SNAPSHOT_FORMAT_VERSION,
      layout: LAYOUT_VERSION,
      id,
      kind: parent ? "incremental" : "full",
      createdAt: new Date().toISOString(),
      parent,
      prefix: this.keys.prefix,
      sessions,
      tokens,
      bytes: parts.reduce((sum, part) => sum + part.bytes, 0),
      parts,
      globals: { tasks, inputSchemas, schedules },
    };
    await this.store.put(manifestName(id), Buffer.from(JSON.stringify(manifest, null, 2)));
    return manifest;
  }

  /** The units as they are now; with `tombstones`, one that is gone as a tombstone (units.ts). */
  private async readUnits(unitIds: string[], tombstones: boolean): Promise<UnitRecord[]> {
    const sessionIds = unitIds.filter(isSessionId);
    const tokenIds = unitIds.filter(isTokenId);
    const units: UnitRecord[] = [];
    if (sessionIds.length) {
      const pipeline = batch(this.redis);
      for (const id of sessionIds) readSessionUnit(pipeline, this.keys, id);
      const results = await execOrThrow(pipeline);
      results.forEach((flat, i) => {
        const unit = sessionUnitOf(sessionIds[i], flat as unknown[]);
        if (unit || tombstones) units.push(unit ?? { unit: sessionIds[i], keys: [], deleted: true });
      });
    }
    if (tokenIds.length) {
      const tokens = await readTokenUnits(this.redis, this.keys, tokenIds);
      const found = new Set(tokens.map((unit) => unit.unit));
      units.push(...tokens);
      if (tombstones) units.push(...tokenIds.filter((id) => !found.has(id)).map((unit): UnitRecord => ({ unit, keys: [], deleted: true })));
    }
    return units;
  }

  private async extendLock(lock: string): Promise<void> {
    const held = await callScript(this.redis, "extendLock", { keys: { lock: this.keys.snapshotLock() }, args: { holder: lock, ttl: LOCK_TTL_MS } });
    if (held !== 1)
      throw new Error("lost the snapshot lock (a step took longer than a minute); the snapshot was abandoned and its changes kept for the next one");
  }

  /**
   * Keeps the newest `retain` full snapshots and everything after the oldest of them.
   * Each snapshot's manifest goes first, so no reader finds a manifest without its parts.
   */
  private async prune(): Promise<void> {
    const snapshots = await listSnapshots(this.store);
    const fulls = snapshots.filter((s) => s.kind === "full");
    if (fulls.length <= this.policy.retain) return;
    const oldestKept = fulls[fulls.length - this.policy.retain].id;
    for (const snapshot of snapshots.filter((s) => s.id < oldestKept)) {
      await this.store.remove([manifestName(snapshot.id)]);
      await this.store.remove(snapshot.parts.map((part) => `${snapshot.id}/${part.name}`));
    }
  }
}
