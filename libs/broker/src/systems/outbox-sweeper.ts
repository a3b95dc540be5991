import { isSessionId, isTokenId } from "@helmr/core";
import type { Resources } from "../resources.ts";
import { OUTBOX_GRACE_MS, type DispatchSystem } from "./dispatch.ts";
import { activeRunIds } from "./sessions.ts";
import type { TokensSystem } from "./tokens.ts";
import type { ChildrenSystem } from "./children.ts";
import { childOfParentNoticeIntent, runOfRunEndEventIntent } from "../outbox.ts";

/**
 * Closes the gap between a script that resolved a run and the enqueue of the run's job
 * (ARCHITECTURE.md invariant 3): outbox entries older than the grace period are taken to
 * belong to a process that died, or was only slow, and their runs' jobs are ensured.
 * Workers sweep every few seconds (one at a time, under a lock).
 */
export class OutboxSweeperSystem {
  constructor(
    private readonly resources: Resources,
    private readonly dispatch: DispatchSystem,
    private readonly tokens: TokensSystem,
    private readonly children: ChildrenSystem,
  ) {}

  /**
   * An intent is a run id (a trigger), `<sessionId>:<nonce>` (an input delivery, whose
   * run is only known once the script ran: every active run of the session is checked), or
   * a token id (a completion: its waiting run is resolved), or `<runId>:parent` (a child
   * run ended: its parent is resumed), or `<runId>:hook` (a run's end, to webhooks). Null: the intent stays for a later sweep (a child
   * whose cancel was requested while it runs has not ended yet).
   */
  private async runsOfIntent(intent: string): Promise<string[] | null> {
    const ended = runOfRunEndEventIntent(intent);
    if (ended) return (await this.resources.webhookEvents.emitRunEnd(ended, { keepUnended: true, fresh: true })) ? [] : null;
    const child = childOfParentNoticeIntent(intent);
    if (child) {
      const notice = await this.children.deliverParentNoticeOf(child);
      if (notice && !notice.childEnded) return null;
      return notice ? [notice.parentRunId] : [];
    }
    if (isTokenId(intent)) {
      const runId = await this.tokens.settleWaiter(intent);
      return runId ? [runId] : [];
    }
    const sessionId = intent.slice(0, intent.indexOf(":"));
    if (!isSessionId(sessionId)) return [intent];
    return activeRunIds(sessionId, await this.resources.redis.hkeys(this.resources.keys.session(sessionId)));
  }

  /** One sweep of the outbox; returns how many runs it re-dispatched. */
  async sweep(now = Date.now()): Promise<number> {
    const { redis, keys, logger } = this.resources;
    const lock = await redis.set(keys.sweeperLock(), String(process.pid), "PX", OUTBOX_GRACE_MS, "NX");
    if (lock !== "OK") return 0;
    let dispatched = 0;
    for (const shard of keys.shards) {
      const outbox = shard.dispatchOutbox();
      const stale = await redis.zrangebyscore(outbox, 0, now - OUTBOX_GRACE_MS, "LIMIT", 0, 500);
      for (const intent of stale) {
        try {
          const runs = await this.runsOfIntent(intent);
          if (runs === null) {
            // Kept, at the back of the line: intents kept for long must not hold up the others.
            await redis.zadd(outbox, now, intent);
            continue;
          }
          for (const runId of runs) if (await this.dispatch.ensureFromRunState(runId)) dispatched++;
          await redis.zrem(outbox, intent);
        } catch (error) {
          logger.error({ err: error, intent }, "outbox sweep could not dispatch a run; will retry");
        }
      }
    }
    // Adding a job that exists changes nothing, so these are runs whose dispatch was either
    // lost (a process died) or only slow to confirm (a loaded Redis).
    if (dispatched) logger.warn({ dispatched }, `outbox sweep ensured the jobs of runs whose dispatch was not confirmed within ${OUTBOX_GRACE_MS} ms`);
    return dispatched;
  }
}
