import type { ChainableCommander } from "ioredis";
import { queueScript } from "./lua/index.ts";

/**
 * Queues the deletion of a lookup (an external id's session, an idempotency key's run or
 * token) only while it still names `id` (lua/deleteLookup-1.lua): the key may have been
 * claimed again since. `json`: the lookup's value is JSON that names the id inside.
 */
export function deleteLookup(pipeline: ChainableCommander, lookup: string, id: string, json = false): ChainableCommander {
  return queueScript(pipeline, "deleteLookup", { keys: { lookup }, args: { id, format: json ? "json" : "" } });
}
