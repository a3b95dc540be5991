import { HelmrError } from "@helmr/core";
import type { Redis } from "ioredis";
import { masters } from "./redis-target.ts";

/** How long a write may wait for its replicas before the request is answered 503. */
export const REPLICA_WAIT_MS = 2_000;

/**
 * HELMR_REDIS_WAIT_REPLICAS: an input delivery, a token completion and a trigger are
 * answered 2xx only once that many replicas hold the write (Redis WAIT), so a failover
 * right after cannot lose what was acknowledged. WAIT counts the replicas that have
 * everything a connection wrote so far, and a delivery writes through two clients (the
 * session's script and the outbox through one, the run's job through BullMQ's) to as many
 * masters as their slots are on: WAIT goes to every master over each client's own
 * connection, so the job that resumes the run is as safe as the input. A connection that
 * wrote nothing since its last WAIT answers at once. The outbox entry of the operation is
 * cleared only once this confirmed (DispatchSystem.settleIntent): if the job was lost in a
 * failover, the outbox sweeper adds it again from the run's state. Replicas that do not
 * confirm in time: 503 replication_timeout, saying the write may not survive a failover.
 *
 * WAIT holds up the commands queued behind it on the same connection, for as long as the
 * replicas take (well under a millisecond when they keep up, up to REPLICA_WAIT_MS when one
 * is down): the price of the setting, which is off by default.
 */
export class ReplicationGuard {
  /** The masters when the operation began: a write may have gone to any of them. */
  private readonly before: Redis[];

  constructor(
    private readonly clients: Redis[],
    private readonly replicas: number,
  ) {
    this.before = replicas > 0 ? clients.flatMap((client) => masters(client)) : [];
  }

  /**
   * Resolves once the replicas hold everything written so far; throws 503 when they do not
   * confirm in time, or when a master the operation may have written to went away meanwhile
   * (a failover: what it had not yet passed on is lost, and a WAIT on its successor would
   * not say so).
   */
  async confirm(): Promise<void> {
    if (this.replicas <= 0) return;
    if (this.before.some((node) => GONE.has(node.status))) {
      throw new HelmrError(
        "unavailable",
        "replication_timeout",
        "A Redis master this write may have gone to stopped answering before its replicas confirmed it (a failover?), so it may be lost; retry it (an idempotencyKey makes a retried trigger or token safe)",
      );
    }
    const nodes = new Set([...this.before, ...this.clients.flatMap((client) => masters(client))]);
    if (nodes.size === 0)
      throw new HelmrError(
        "unavailable",
        "redis_unavailable",
        "Helmr knows no Redis Cluster master to confirm this write with right now (a failover?); retry shortly",
      );
    const acknowledged = Math.min(...(await Promise.all([...nodes].map((node) => waitOn(node, this.replicas)))));
    if (acknowledged < this.replicas) {
      throw new HelmrError(
        "unavailable",
        "replication_timeout",
        `The write was applied on the Redis primary, but ${acknowledged} of the ${this.replicas} replicas HELMR_REDIS_WAIT_REPLICAS asks for confirmed it within ${REPLICA_WAIT_MS} ms, so a failover could still lose it; check the replicas (INFO replication), or lower HELMR_REDIS_WAIT_REPLICAS`,
      );
    }
  }
}

/** Connection states of a node that is gone (ioredis). */
const GONE = new Set(["close", "end", "reconnecting"]);

/**
 * WAIT on one master, given up a second after its own timeout: a master that died (its
 * replica about to take over) never answers, and BullMQ's connection retries for ever.
 */
function waitOn(node: Redis, replicas: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const unanswered = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new HelmrError(
            "unavailable",
            "redis_unavailable",
            "A Redis master did not answer while confirming this write with its replicas (a failover?); retry shortly",
          ),
        ),
      REPLICA_WAIT_MS + 1_000,
    );
  });
  return Promise.race([node.wait(replicas, REPLICA_WAIT_MS), unanswered]).finally(() => clearTimeout(timer));
}
