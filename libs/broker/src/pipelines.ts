import { exists, getKeyIndexes } from "@ioredis/commands";
import calculateSlot from "cluster-key-slot";
import type { ChainableCommander, Redis } from "ioredis";
import { SCRIPT_CONTRACTS } from "./lua/contract.generated.ts";
import { isCluster } from "./redis-target.ts";

type Results = [Error | null, unknown][];

/** Runs a pipeline and throws the first command error instead of returning it. */
export async function execOrThrow(pipeline: { exec(): Promise<Results | null> }): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  for (const [error] of results) if (error) throw error;
  return results.map(([, value]) => value);
}

/**
 * Sends the commands `send` issues (synchronously) in one write to the socket, on one
 * Redis: each command is otherwise a write, a system call, of its own, and on the paths of
 * every resume two commands sent apart cost more than the second one's work. A pipeline
 * writes once too, but building one costs more than it saves for two commands. On a
 * cluster the commands may go to different nodes: they are sent as they come.
 */
export function sentTogether<T>(redis: Redis, send: () => T): T {
  const stream = (redis as unknown as { stream?: { cork(): void; uncork(): void } }).stream;
  if (isCluster(redis) || redis.status !== "ready" || !stream) return send();
  stream.cork();
  try {
    return send();
  } finally {
    stream.uncork();
  }
}

/**
 * Deletes keys that may lie in many slots (one shard's structure each, a scan's batch): one
 * UNLINK per key in one batch, since a multi-key command must stay in one slot of a cluster.
 */
export async function deleteEach(redis: Redis, keys: Iterable<string>): Promise<void> {
  const pipeline = batch(redis);
  for (const key of keys) pipeline.unlink(key);
  await execOrThrow(pipeline);
}

/**
 * A pipeline on a connection, for commands on keys of any slot. On one Redis it is the
 * connection's own pipeline. On a cluster, ioredis refuses a pipeline whose keys live on
 * more than one node, so this one sends the commands of each slot as a pipeline of their
 * own, side by side, and hands the results back in the order the commands were queued.
 * Commands of one slot keep their order; commands of different slots, as on different
 * servers, have none between them (callScriptAfter sends what it queued before the script
 * first: lua/run-script.ts).
 */
export function batch(redis: Redis): ChainableCommander {
  return isCluster(redis) ? slotPipeline(redis) : leanPipeline(redis);
}

/**
 * The connection's pipeline, made without the scripts. ioredis copies every script defined
 * on a connection onto each pipeline it makes, ~25 µs with Helmr's fifty, and a resume or a
 * trigger makes one or two; a script queued on this one is called through the connection's
 * own function instead (lua/run-script.ts, invoke), as ioredis's copy would have been.
 */
function leanPipeline(redis: Redis): ChainableCommander {
  const connection = redis as unknown as { scriptsSet: Record<string, unknown> };
  const scripts = connection.scriptsSet;
  connection.scriptsSet = {};
  try {
    return redis.pipeline();
  } finally {
    connection.scriptsSet = scripts;
  }
}

export function isSlotPipeline(pipeline: ChainableCommander): boolean {
  return (pipeline as unknown as { [SLOT_PIPELINE]?: boolean })[SLOT_PIPELINE] === true;
}

const SLOT_PIPELINE = Symbol("slot pipeline");

function slotPipeline(redis: Redis): ChainableCommander {
  const calls: { name: string; args: unknown[] }[] = [];
  const exec = async (): Promise<Results> => {
    const bySlot = new Map<number, number[]>();
    calls.forEach(({ name, args }, i) => {
      const slot = slotOf(name, args);
      const indexes = bySlot.get(slot);
      if (indexes) indexes.push(i);
      else bySlot.set(slot, [i]);
    });
    const results: Results = new Array(calls.length);
    await Promise.all(
      [...bySlot.values()].map(async (indexes) => {
        const pipeline = redis.pipeline() as unknown as Record<string, (...args: unknown[]) => unknown> & ChainableCommander;
        for (const i of indexes) pipeline[calls[i].name](...calls[i].args);
        const replies = (await pipeline.exec()) ?? [];
        for (const [j, callIndex] of indexes.entries()) results[callIndex] = replies[j] ?? [new Error("no reply"), null];
      }),
    );
    return results;
  };
  const proxy: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_, property) {
      if (property === SLOT_PIPELINE) return true;
      if (property === "exec") return exec;
      if (property === "length") return calls.length;
      if (property === "redis") return redis;
      if (property === "then") return undefined;
      return (...args: unknown[]) => {
        calls.push({ name: String(property), args });
        return proxy;
      };
    },
  });
  return proxy;
}

/** The slot of a command's keys (-1 for a command without keys: any node will do). */
function slotOf(name: string, args: unknown[]): number {
  const flat = args.flat() as (string | number | Buffer)[];
  const scriptKeys = (SCRIPT_CONTRACTS as Record<string, { keys: readonly string[] } | undefined>)[name]?.keys.length;
  const keys = scriptKeys !== undefined ? flat.slice(0, scriptKeys) : exists(name) ? getKeyIndexes(name, flat).map((i) => flat[i]) : [];
  return keys.length ? calculateSlot(String(keys[0])) : -1;
}
