import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { masters, redisClient } from "@helmr/broker";
import { SnapshotService, markAttended, type SnapshotStore } from "@helmr/broker/snapshots";
import { startEmbeddedRedis, startLocalCluster } from "@helmr/embedded-redis";
import type { Redis } from "ioredis";
import { afterEach } from "vitest";
import { startS3, type TestS3 } from "./s3.ts";
import { startStack, type TestStack } from "./stack.ts";

export interface SnapshotStack extends TestStack {
  snapshots: SnapshotService;
  /** A plain connection to this stack's own Redis (or cluster), for inspection. */
  admin: Redis;
  /** Loses every key, as a Redis that died without its data does (FLUSHALL on every master). */
  loseData(): Promise<void>;
}

/**
 * A test stack on a Redis of its own (FLUSHALL must not touch the suite's shared one),
 * without AOF, like an instance that loses everything when it dies, plus a snapshot
 * service on the given store. In the `cluster` project, a cluster of its own (3 masters,
 * no replicas: what is lost is lost everywhere).
 */
export async function startSnapshotStack(
  store: SnapshotStore,
  policy = { fullEvery: 12, retain: 3 },
  options: { masters?: number; queueShards?: number } = {},
): Promise<SnapshotStack> {
  const dir = mkdtempSync(join(tmpdir(), "helmr-snapshot-redis-"));
  // masters: 1 is a single Redis; more, a cluster of that many.
  const masterCount = options.masters ?? (onCluster() ? 3 : 1);
  const redis =
    masterCount > 1 ? await startLocalCluster({ dir, masters: masterCount, replicasPerMaster: 0 }) : await startEmbeddedRedis({ dir, appendonly: false });
  const stack = await startStack({ redisUrl: redis.url, queueShards: options.queueShards });
  const snapshots = new SnapshotService(stack.engine, store, { ...policy, intervalMs: 0 });
  // As under a server whose snapshot service runs: the change marks wait for its snapshots
  // (where nobody takes any, the retention sweeper drops them: snapshots/lock.ts).
  await markAttended(stack.engine.resources.redis, stack.engine.resources.keys);
  const admin = redisClient(redis.url, {});
  const closeStack = stack.close;
  return Object.assign(stack, {
    snapshots,
    admin,
    loseData: async () => {
      await Promise.all(masters(admin).map((node) => node.flushall()));
    },
    close: async () => {
      try {
        // A test that failed half way can leave an execution that never ends: give closing
        // a deadline, so this stack's redis-server is stopped whatever happens.
        await Promise.race([Promise.all([closeStack(), snapshots.close()]), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      } finally {
        admin.disconnect();
        await redis.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  });
}

/** Whether this test file runs in the `cluster` project (vitest.config.ts). */
export const onCluster = () => process.env.HELMR_TEST_TARGET === "cluster";

/**
 * What the tests of one file open (S3 servers, snapshot stacks, anything with close()),
 * each closed after its test, the last opened first.
 */
export function closedAfterEachTest() {
  const open: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const resource of open.splice(0).reverse()) await resource.close().catch(() => {});
  });
  const track = <T extends { close(): Promise<unknown> }>(resource: T): T => (open.push(resource), resource);
  return {
    track,
    s3: async (): Promise<TestS3> => track(await startS3()),
    snapshotStack: async (
      store: SnapshotStore,
      policy?: { fullEvery: number; retain: number },
      options?: { masters?: number; queueShards?: number },
    ): Promise<SnapshotStack> => track(await startSnapshotStack(store, policy, options)),
  };
}
