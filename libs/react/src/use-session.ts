import type { RunRecord, SendInputResult, SendOptions, WaitRecord } from "@helmr/sdk/client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { appendNew, batcher, type InputStreamRef, type LiveOutputEntry, type StreamRef, streamName } from "./entries.ts";
import { type HelmrOptions, useHelmrClient } from "./options.ts";

export interface SessionState {
  /** The session's runs (its newest 100), oldest first, each as it is now. */
  runs: RunRecord[];
  /** What its runs wait on now (inputs, tokens, timers), looked at again each time a run changes. */
  waits: WaitRecord[];
  /**
   * An output stream's entries so far, oldest first, live: the first call for a stream
   * starts following it (from its start), for as long as the component stays.
   */
  output<T = unknown>(stream: StreamRef<T>): LiveOutputEntry<T>[];
  /** Sends input to one of the session's input streams (the token needs `session.input.send`). */
  send<T = unknown>(stream: InputStreamRef<T>, data: T, options?: Omit<SendOptions, "publicAccessToken">): Promise<SendInputResult>;
  /** Why following stopped for good (no access, an unknown session); network errors and API restarts are retried. */
  error: Error | null;
}

const WAITS_LOOK_DELAY_MS = 50;

/**
 * All of one session for a screen, live, from one token (`session.read`, plus
 * `session.input.send` to send): its runs, their waits, the output streams the component
 * reads, and a send. Reconnects after a network error or an API restart without losing
 * or repeating an output entry.
 */
export function useSession(sessionId: string | null | undefined, options: HelmrOptions = {}): SessionState {
  const client = useHelmrClient(options);
  const [runs, setRuns] = useState<ReadonlyMap<string, RunRecord>>(new Map());
  const [waits, setWaits] = useState<WaitRecord[]>([]);
  const [outputs, setOutputs] = useState<Readonly<Record<string, LiveOutputEntry<unknown>[]>>>({});
  const [error, setError] = useState<Error | null>(null);
  /** Output streams the component asked for while rendering; followed once it rendered. */
  const wanted = useRef(new Set<string>());
  const following = useRef(new Map<string, AbortController>());

  useEffect(() => {
    setRuns(new Map());
    setWaits([]);
    setOutputs({});
    setError(null);
    if (!sessionId) return;
    const controller = new AbortController();
    const { signal } = controller;
    const fail = (reason: unknown) => signal.aborted || setError(reason as Error);
    let waitsLook: ReturnType<typeof setTimeout> | undefined;
    const lookAtWaits = () => {
      clearTimeout(waitsLook);
      waitsLook = setTimeout(() => {
        client.waits.list({ session: sessionId, limit: 100 }).then((page) => signal.aborted || setWaits(page.data), fail);
      }, WAITS_LOOK_DELAY_MS);
    };
    lookAtWaits();
    void (async () => {
      try {
        for await (const run of client.runs.followSession(sessionId, { signal })) {
          setRuns((runs) => new Map(runs).set(run.id, run));
          lookAtWaits();
        }
      } catch (reason) {
        fail(reason);
      }
    })();
    const streams = following.current;
    return () => {
      controller.abort();
      clearTimeout(waitsLook);
      for (const stream of streams.values()) stream.abort();
      streams.clear();
    };
  }, [client, sessionId]);

  // After each render: follow the output streams asked for that are not followed yet.
  useEffect(() => {
    if (!sessionId) return;
    for (const name of wanted.current) {
      if (following.current.has(name)) continue;
      const controller = new AbortController();
      following.current.set(name, controller);
      const seen = new Set<string>();
      const arriving = batcher<LiveOutputEntry<unknown>>((batch) => setOutputs((all) => ({ ...all, [name]: appendNew(all[name] ?? [], seen, batch) })));
      controller.signal.addEventListener("abort", () => arriving.cancel());
      void (async () => {
        try {
          for await (const entry of client.sessions.open(sessionId).output(name).subscribe({ signal: controller.signal })) arriving.push(entry);
        } catch (reason) {
          if (!controller.signal.aborted) setError(reason as Error);
        }
      })();
    }
  });

  const send = useCallback(
    <T>(stream: InputStreamRef<T>, data: T, sendOptions: Omit<SendOptions, "publicAccessToken"> = {}) => {
      if (!sessionId) return Promise.reject(new Error("useSession: no session to send to"));
      return client.sessions.open(sessionId).input(streamName(stream)).send(data, sendOptions);
    },
    [client, sessionId],
  );
  const runList = useMemo(() => [...runs.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)), [runs]);
  return {
    runs: runList,
    waits,
    output: <T>(stream: StreamRef<T>) => {
      const name = streamName(stream);
      wanted.current.add(name);
      return (outputs[name] ?? []) as LiveOutputEntry<T>[];
    },
    send,
    error,
  };
}
