/** The snapshot lock, held by whoever writes a snapshot or drops the change marks. */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Keys } from "../keys.ts";
import { callScript } from "../lua/index.ts";
import { batch, deleteEach, execOrThrow } from "../pipelines.ts";

/** How long the snapshot lock holds without being extended. */
export const LOCK_TTL_MS = 60_000;

/**
 * The snapshot lock's token when this process got it, null when another holds it. A
 * holder that is only dropping the change marks (forgetUnattendedChanges) is waited out.
 */
export async function takeSnapshotLock(redis: Redis, keys: Keys): Promise<string | null> {
  const lock = randomBytes(12).toString("hex");
  const deadline = Date.now() + FORGETTING_WAIT_MS;
  for (;;) {
    if ((await redis.set(keys.snapshotLock(), lock, "PX", LOCK_TTL_MS, "NX")) === "OK") return lock;
    const holder = await redis.get(keys.snapshotLock());
    if (holder === null) continue; // let go of meanwhile
    if (!holder.startsWith(FORGETTING) || Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function releaseSnapshotLock(redis: Redis, keys: Keys, lock: string): Promise<void> {
  await callScript(redis, "extendLock", { keys: { lock: keys.snapshotLock() }, args: { holder: lock, ttl: 0 } }).catch(() => {});
}

/** How long a snapshot attempt vouches for the snapshots to come, at least. */
const ATTENDED_MS = 60 * 60_000;

/**
 * Records that snapshots are being taken (a snapshot attempted, a periodic schedule
 * running), for `everyMs` between attempts: until three of those (at least an hour) pass
 * without another, the change marks are left for the next snapshot.
 */
export async function markAttended(redis: Redis, keys: Keys, everyMs = 0, now = Date.now()): Promise<void> {
  await redis.hset(keys.snapshotState(), "attendedUntil", now + Math.max(ATTENDED_MS, 3 * everyMs));
}

/** The prefix of the lock's token while the marks are being dropped (a few milliseconds). */
const FORGETTING = "forgetting:";
/** How long takeSnapshotLock waits out a holder that is only dropping the marks. */
const FORGETTING_WAIT_MS = 2_000;

/**
 * Drops the change marks when nobody takes snapshots (none attempted for a while, see
 * markAttended): where no snapshot service runs (workers embedded in an app, no `helmr
 * server`), nothing else would clear them, and every deleted session or token leaves one
 * (its tombstone). The chain ends with them, so the next snapshot is a full one, which
 * needs no marks. One script checks and takes the snapshot lock (lua/forgetUnattendedChanges-2.lua,
 * skipped while a snapshot is being written), then each shard's marks go and the lock with
 * them; a snapshot asked for meanwhile waits those milliseconds out (takeSnapshotLock).
 * The retention sweeper calls this.
 */
export async function forgetUnattendedChanges(redis: Redis, keys: Keys, now = Date.now()): Promise<void> {
  const marks = batch(redis);
  for (const shard of keys.shards) marks.exists(shard.changes());
  if ((await execOrThrow(marks)).every((count) => count === 0)) return;
  const lock = FORGETTING + randomBytes(12).toString("hex");
  const taken = await callScript(redis, "forgetUnattendedChanges", {
    keys: { lock: keys.snapshotLock(), state: keys.snapshotState() },
    args: { now, holder: lock, ttl: LOCK_TTL_MS },
  });
  if (taken !== 1) return;
  try {
    await deleteEach(
      redis,
      keys.shards.map((shard) => shard.changes()),
    );
  } finally {
    await releaseSnapshotLock(redis, keys, lock);
  }
}
