import { LayoutMismatchError, createEngine, masters } from "@helmr/broker";
import { streams, task } from "@helmr/sdk";
import calculateSlot from "cluster-key-slot";
import type { Cluster } from "ioredis";
import { pino } from "pino";
import { afterEach, describe, expect, inject, it } from "vitest";
import { runReaches } from "../harness/runs.ts";
import { startStack, testLogger, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const answer = streams.input<string>("shard-answer");
const waiter = task({ id: "shard-waiter", run: async () => answer.wait().unwrap() });

/** With HELMR_QUEUE_SHARDS, dispatch spreads over several runs queues, each in a slot of its own. */
describe("runs queue shards", () => {
  it("dispatches runs over every shard by their session, and every run is started and resumed once", async () => {
    stack = await startStack({ queueShards: 4 });
    // Warm resume off: every resume goes through the shared (sharded) queues.
    const worker = await stack.startWorker({ tasks: [waiter], warmRuns: 0 });
    const runs = await Promise.all(Array.from({ length: 24 }, () => stack.client.tasks.trigger("shard-waiter")));
    for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");
    for (const [i, { sessionId }] of runs.entries()) await stack.client.sessions.open(sessionId).input("shard-answer").send(`answer ${i}`);
    for (const [i, { runId }] of runs.entries()) expect((await runReaches(stack.client, runId, "completed")).output).toBe(`answer ${i}`);

    // Each shard's queue of the runs' version carried jobs (its BullMQ event stream says so), and their keys lie in four slots.
    const { redis, keys } = stack.engine.resources;
    const runsQueues = stack.engine.resources.runsQueuesOf(worker.version);
    const added = await Promise.all(
      runsQueues.map(async (queue) => (await redis.xrange(`${queue.qualifiedName}:events`, "-", "+")).filter(([, fields]) => fields[1] === "added").length),
    );
    expect(added.every((count) => count > 0)).toBe(true);
    expect(new Set(runsQueues.map((_, shard) => calculateSlot(keys.queuePrefix(shard)))).size).toBe(4);
    // On the 3 masters here, the shards' slots are served by more than one of them.
    const nodesOf = (redis as unknown as Cluster).slots;
    expect(new Set(runsQueues.map((_, shard) => nodesOf[calculateSlot(keys.queuePrefix(shard))]?.[0])).size).toBeGreaterThan(1);
    expect(masters(redis).length).toBe(3);
  });

  it("refuses a process whose HELMR_QUEUE_SHARDS differs from the prefix's, saying what to set", async () => {
    stack = await startStack({ queueShards: 4 });
    const other = createEngine({ redisUrl: stack.redisUrl, prefix: stack.prefix, logger: testLogger(), queueShards: 2 });
    const error = await other.ready().catch((e) => e);
    await other.close();
    expect(error).toBeInstanceOf(LayoutMismatchError);
    expect(error.message).toMatch(/HELMR_QUEUE_SHARDS is 2 here.*dispatched over 4; set HELMR_QUEUE_SHARDS=4/);
  });
});

describe("the shards' spread over the cluster's masters", () => {
  it("warns at start when some master serves no shard, naming the fix, and says nothing once every master serves one", async () => {
    const warningsWith = async (queueShards: number) => {
      const lines: string[] = [];
      const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
      const engine = createEngine({ redisUrl: inject("redisUrl"), prefix: `t-spread-${queueShards}-${Date.now()}`, logger, queueShards });
      await engine.ready();
      await engine.close();
      return lines.map((line) => JSON.parse(line).msg as string).filter((msg) => msg.includes("HELMR_QUEUE_SHARDS"));
    };
    // One shard: every resume's global writes on one of the 3 masters.
    expect(await warningsWith(1)).toEqual([expect.stringContaining("on 1 of the cluster's 3 masters; the other 2 carry none")]);
    // Enough shards that their fixed tags reach every master: no warning.
    expect(await warningsWith(12)).toEqual([]);
  });
});
