import { isRunId } from "@helmr/core";
import type { ChainableCommander } from "ioredis";
import type { Keys } from "./keys.ts";
import { groupByKey } from "./shards.ts";

/**
 * Writes to the dispatch outbox (ARCHITECTURE.md invariant 3), each intent in its own
 * shard's copy (Keys.outboxOf), queued on a pipeline: one command per shard.
 */
export function addIntents(target: ChainableCommander, keys: Keys, intents: string[], now = Date.now()): ChainableCommander {
  for (const [outbox, ofShard] of groupByKey(intents, (intent) => keys.outboxOf(intent))) target.zadd(outbox, ...ofShard.flatMap((intent) => [now, intent]));
  return target;
}

export function dropIntents(target: ChainableCommander, keys: Keys, intents: string[]): ChainableCommander {
  for (const [outbox, ofShard] of groupByKey(intents, (intent) => keys.outboxOf(intent))) target.zrem(outbox, ...ofShard);
  return target;
}

/** The outbox intent of a child's notice to its parent (OutboxSweeperSystem.runsOfIntent). */
export const parentNoticeIntent = (childRunId: string): string => `${childRunId}:parent`;
export const childOfParentNoticeIntent = (intent: string): string | null =>
  intent.endsWith(":parent") && isRunId(intent.slice(0, -7)) ? intent.slice(0, -7) : null;

/** The outbox intent of a run's end as a webhook event, marked ahead of the ending write (webhook-events.ts). */
export const runEndEventIntent = (runId: string): string => `${runId}:hook`;
export const runOfRunEndEventIntent = (intent: string): string | null =>
  intent.endsWith(":hook") && isRunId(intent.slice(0, -5)) ? intent.slice(0, -5) : null;
