import type { RunRecord } from "@helmr/core";
import { openEventStream } from "./sse.ts";
import type { ApiContext, RouteDeps } from "./types.ts";

/** How often a followed run, or a session's runs, are looked at for a change. */
const RUN_LOOK_MS = 100;
const SESSION_LOOK_MS = 250;
const FINAL = new Set<RunRecord["status"]>(["completed", "failed", "cancelled", "continued", "expired"]);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A run's events live (GET /runs/:id with Accept: text/event-stream): each event of the
 * run (triggered, started, parked, resumed, retried, ended...) with the run as it is then,
 * from the one after `lastSeen` (an event's index, its event id), then each new one; the
 * stream ends after the run's last. The run's status, fence and update time are looked at
 * every 100 ms, and its events read when they changed.
 */
export function streamRunEvents(ctx: ApiContext, deps: RouteDeps, runId: string, lastSeen: number): void {
  const events = openEventStream(ctx, deps);
  const { engine } = deps;
  void (async () => {
    let next = lastSeen + 1;
    let seen = "";
    try {
      while (events.open) {
        const look = await engine.resources.redis.hmget(engine.resources.keys.run(runId), "status", "fence", "updatedAt", "attempt");
        if (look[0] === null) return;
        if (look.join("|") !== seen) {
          seen = look.join("|");
          const [page, run] = await Promise.all([engine.runs.events(runId, 200, String(next)), engine.runs.retrieve(runId)]);
          for (const event of page.data) events.send(String(next++), "run", { event, run });
          await events.drained();
          if (FINAL.has(run.status) && page.nextCursor === null) return;
          if (page.nextCursor !== null) seen = "";
        }
        await pause(RUN_LOOK_MS);
      }
    } catch (error) {
      if (events.open) deps.logger.warn({ err: error, runId }, "following a run failed; closing the event stream");
    } finally {
      events.close();
    }
  })();
}

/**
 * A session's runs live (GET /runs?session= with Accept: text/event-stream): each run of
 * the session (its newest 100) as it is now, then again each time it changes. A state
 * stream: a client that reconnects gets every run's state first, so it misses no change
 * that matters; event ids count the events of this response.
 */
export function streamSessionRuns(ctx: ApiContext, deps: RouteDeps, sessionId: string): void {
  const events = openEventStream(ctx, deps);
  const { engine } = deps;
  void (async () => {
    const seen = new Map<string, string>();
    let sent = 0;
    try {
      while (events.open) {
        const { data } = await engine.runs.list({ session: sessionId, limit: 100 });
        for (const run of data.reverse()) {
          const state = `${run.status}|${run.attempt}|${run.updatedAt}`;
          if (seen.get(run.id) === state) continue;
          seen.set(run.id, state);
          events.send(String(sent++), "run", run);
        }
        await events.drained();
        await pause(SESSION_LOOK_MS);
      }
    } catch (error) {
      if (events.open) deps.logger.warn({ err: error, sessionId }, "following a session's runs failed; closing the event stream");
    } finally {
      events.close();
    }
  })();
}
