import type { RunEvent, RunRecord } from "@helmr/sdk/client";
import { useEffect, useState } from "react";
import { type HelmrOptions, useHelmrClient } from "./options.ts";

export interface RunState {
  /** The run as of its latest event; null until the first arrives. */
  run: RunRecord | null;
  /** What happened to it so far (triggered, started, parked, resumed, ended...), oldest first. */
  events: RunEvent[];
  error: Error | null;
}

/**
 * One run, live: each of its events with the run as it was then, until it ends. Needs a
 * token that may read the run (`run.read`, or `session.read` of its session).
 */
export function useRun(runId: string | null | undefined, options: HelmrOptions = {}): RunState {
  const client = useHelmrClient(options);
  const [state, setState] = useState<RunState>({ run: null, events: [], error: null });
  useEffect(() => {
    setState({ run: null, events: [], error: null });
    if (!runId) return;
    const controller = new AbortController();
    void (async () => {
      try {
        for await (const { event, run } of client.runs.follow(runId, { signal: controller.signal })) {
          setState((state) => ({ run, events: [...state.events, event], error: null }));
        }
      } catch (error) {
        if (!controller.signal.aborted) setState((state) => ({ ...state, error: error as Error }));
      }
    })();
    return () => controller.abort();
  }, [client, runId]);
  return state;
}
