import type { RunRecord } from "@helmr/core";
import { openEventStream } from "./sse.ts";
import type { ApiContext, RouteDeps } from "./types.ts";

/** How often a followed run, or a session's runs, are looked at for a change. */
const RUN_LOOK_MS = 100;
const SESSION_LOOK_MS = 250;
const FINAL = new Set<RunRecord["status"]>(["completed", "failed", "cancelled", "continued", "expired"]);

/**
 * A run's events live (GET /runs/:id with Accept: text/event-stream): each event of the
 * run (triggered, started, parked, resumed, retried, ended...) with the run as it is then,
 * from the one after `lastSeen` (an event's index, its event id), then each new one; the
 * stream ends after the run's last. The run's status, fence and update time are looked at
 * every 100 ms, once for every client of this process following the run
 * (framework/shared-looks.ts), and its events read when they changed.
 */
export function streamRunEvents(ctx: ApiContext, deps: RouteDeps, runId: string, lastSeen: number): void {
  const { engine } = deps;
  // The stream first: one refused (429) follows nothing.
  let stop = () => {};
  const events = openEventStream(ctx, deps, () => stop());
  const following = deps.sharedLooks.follow(
    `run:${runId}`,
    RUN_LOOK_MS,
    () => engine.resources.redis.hmget(engine.resources.keys.run(runId), "status", "fence", "updatedAt", "attempt"),
    (look) => look.join("|"),
  );
  stop = () => following.close();
  void (async () => {
    let next = lastSeen + 1;
    let version = 0;
    try {
      for (;;) {
        const seen = await following.next(version);
        if (!seen || !events.open || seen.value[0] === null) return;
        version = seen.version;
        // A page at a time, each once the client took the one before.
        for (;;) {
          const [page, run] = await Promise.all([engine.runs.events(runId, 200, String(next)), engine.runs.retrieve(runId)]);
          for (const event of page.data) events.send(String(next++), "run", { event, run });
          await events.drained();
          if (!events.open) return;
          if (page.nextCursor !== null) continue;
          if (FINAL.has(run.status)) return;
          break;
        }
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
 * that matters; event ids count the events of this response. The runs are listed every
 * 250 ms, once for every client of this process following the session.
 */
export function streamSessionRuns(ctx: ApiContext, deps: RouteDeps, sessionId: string): void {
  const { engine } = deps;
  // The stream first: one refused (429) follows nothing.
  let stop = () => {};
  const events = openEventStream(ctx, deps, () => stop());
  const following = deps.sharedLooks.follow(
    `session:${sessionId}`,
    SESSION_LOOK_MS,
    async () => (await engine.runs.list({ session: sessionId, limit: 100 })).data.reverse(),
    (runs) => runs.map(stateOf).join(","),
  );
  stop = () => following.close();
  void (async () => {
    const seenStates = new Map<string, string>();
    let sent = 0;
    let version = 0;
    try {
      for (;;) {
        const seen = await following.next(version);
        if (!seen || !events.open) return;
        version = seen.version;
        for (const run of seen.value) {
          const state = stateOf(run);
          if (seenStates.get(run.id) === state) continue;
          seenStates.set(run.id, state);
          events.send(String(sent++), "run", run);
        }
        await events.drained();
      }
    } catch (error) {
      if (events.open) deps.logger.warn({ err: error, sessionId }, "following a session's runs failed; closing the event stream");
    } finally {
      events.close();
    }
  })();
}

const stateOf = (run: RunRecord) => `${run.id}|${run.status}|${run.attempt}|${run.updatedAt}`;
