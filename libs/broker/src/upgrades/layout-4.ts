import type { Redis } from "ioredis";
import type { Keys } from "../keys.ts";
import { moveKey } from "./move-key.ts";

/**
 * Layout 4 keeps the global structures every resume or trigger writes in a copy per shard
 * (keys.ts, ShardKeys), each shard's under the hash tag `{g<n>}`. Upgrading moves the one
 * copy layout 3 had into shard 0; with several shards, a run listed there that belongs to
 * another shard is still listed, swept and dispatched (every reader reads every shard),
 * and a stale waiting-index entry of one is dropped by the next listing of waits.
 */
export async function shardGlobalKeys(redis: Redis, keys: Keys): Promise<number> {
  const old = (name: string) => `${keys.prefix}:${name}`;
  const shard = keys.shards[0];
  const moves: [string, string][] = [
    [old("sessions"), shard.sessionsIndex()],
    [old("runs"), shard.runsIndex()],
    [old("tokens"), shard.tokensIndex()],
    [old("outbox"), shard.dispatchOutbox()],
    [old("retention:due"), shard.retentionDue()],
    [old("{snapshot}:changes"), shard.changes()],
    [old("{snapshot}:changes:snapshotting"), shard.changesInFlight()],
    [old("{waiting}:seq"), shard.waitingSequence()],
  ];
  const oldDirectory = old("{waiting}:dir");
  const directory = await redis.zrange((await redis.exists(oldDirectory)) ? oldDirectory : shard.waitingDirectory(), 0, -1);
  for (const bucket of directory) moves.push([old(`{waiting}:${bucket}`), shard.waitingBuckets() + bucket]);
  // The directory last: a step cut short finds its buckets through it again.
  moves.push([oldDirectory, shard.waitingDirectory()]);
  let moved = 0;
  for (const [from, to] of moves) if (await moveKey(redis, from, to)) moved++;
  // The retention sweep's places in the id logs were kept by their old names: it starts over.
  await redis.del(keys.retentionCursors());
  return moved;
}
