import { parseRunId, sessionTag } from "@helmr/core";

/**
 * Which runs queue a run's jobs go to, when there are several (HELMR_QUEUE_SHARDS): a
 * BullMQ queue lives in one slot of a Redis Cluster, so one queue would put every dispatch
 * on one master. A run goes to the shard of its session's tag (FNV-1a, mod the count), so
 * the shards fill evenly and a session's runs share one. One shard (the default) is the
 * one queue of a single Redis.
 */
export function queueShardOf(runId: string, shards: number): number {
  if (shards <= 1) return 0;
  const tag = sessionTag(parseRunId(runId).sessionId);
  let hash = 0x811c9dc5;
  for (let i = 0; i < tag.length; i++) hash = Math.imul(hash ^ tag.charCodeAt(i), 0x01000193) >>> 0;
  return hash % shards;
}
