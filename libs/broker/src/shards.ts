import { parsePublicTokenId, parseRunId, parseTokenId, sessionTag } from "@helmr/core";

/**
 * Shards (HELMR_QUEUE_SHARDS): on a Redis Cluster one key lives on one master, so a key
 * every resume writes (a runs queue, the waiting index, the change marks, the outbox)
 * would put that load on one master. Each of those comes in one copy per shard, and a
 * session, with everything of it (its runs, its tokens), belongs to one shard: the FNV-1a
 * hash of its hash tag, mod the count. So the shards fill evenly, and a session's writes to
 * global structures land in one slot. One shard (the default) is a single Redis's layout.
 */
export function shardOfTag(tag: string, shards: number): number {
  if (shards <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < tag.length; i++) hash = Math.imul(hash ^ tag.charCodeAt(i), 0x01000193) >>> 0;
  return hash % shards;
}

/** The hash tag of a session, run, token or public token id. */
export function tagOfId(id: string): string {
  if (id.startsWith("run_")) return parseRunId(id).tag;
  if (id.startsWith("tok_")) return parseTokenId(id).tag;
  const publicToken = parsePublicTokenId(id);
  return publicToken ? publicToken.tag : sessionTag(id);
}

/** Which runs queue a run's jobs go to, when there are several. */
export const queueShardOf = (runId: string, shards: number): number => shardOfTag(parseRunId(runId).tag, shards);

/** Items grouped by the key each goes to (a shard's copy of a structure), in first-seen order. */
export function groupByKey<T>(items: Iterable<T>, keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
