/** The snapshot lock, held by whoever writes a snapshot or drops the change marks. */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Keys } from "../keys.ts";
import { runScript } from "../lua/index.ts";

/** How long the snapshot lock holds without being extended. */
export const LOCK_TTL_MS = 60_000;

/** The snapshot lock's token when this process got it, null when another holds it. */
export async function takeSnapshotLock(redis: Redis, keys: Keys): Promise<string | null> {
  const lock = randomBytes(12).toString("hex");
  return (await redis.set(keys.snapshotLock(), lock, "PX", LOCK_TTL_MS, "NX")) === "OK" ? lock : null;
}

export async function releaseSnapshotLock(redis: Redis, keys: Keys, lock: string): Promise<void> {
  await runScript(redis, "extendLock", [keys.snapshotLock()], [lock, 0]).catch(() => {});
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

/**
 * Drops the change marks when nobody takes snapshots (none attempted for a while, see
 * markAttended): where no snapshot service runs (workers embedded in an app, no `helmr
 * server`), nothing else would clear them, and every deleted session or token leaves one
 * (its tombstone). The chain ends with them, so the next snapshot is a full one, which
 * needs no marks. One script (lua/forgetUnattendedChanges-3.lua), skipped while a snapshot
 * is being written, so it never holds up one. The retention sweeper calls this.
 */
export async function forgetUnattendedChanges(redis: Redis, keys: Keys, now = Date.now()): Promise<void> {
  await runScript(redis, "forgetUnattendedChanges", [keys.snapshotLock(), keys.snapshotState(), keys.changes()], [now]);
}
