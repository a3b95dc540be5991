import { useEffect, useState } from "react";
import { appendNew, batcher, type LiveOutputEntry, type StreamRef, streamName } from "./entries.ts";
import { type HelmrOptions, useHelmrClient } from "./options.ts";

export interface OutputState<T> {
  /** The stream's entries so far, oldest first, each once. */
  entries: LiveOutputEntry<T>[];
  /** Why following stopped for good (no access, an unknown session); network errors and API restarts are retried. */
  error: Error | null;
}

/**
 * A session output stream, live: its entries from the start (or after `after`), then each
 * new one as it is appended. A dropped connection or a restarted API resumes after the
 * last entry seen (Last-Event-ID), so no entry is missed or shown twice. Pass a stream
 * declared with `streams.output<T>()` (or give T) to type the entries' data.
 */
export function useOutput<T = unknown>(
  sessionId: string | null | undefined,
  stream: StreamRef<T>,
  options: HelmrOptions & { after?: string } = {},
): OutputState<T> {
  const client = useHelmrClient(options);
  const name = streamName(stream);
  const [state, setState] = useState<OutputState<T>>({ entries: [], error: null });
  useEffect(() => {
    setState({ entries: [], error: null });
    if (!sessionId) return;
    const controller = new AbortController();
    const seen = new Set<string>();
    const arriving = batcher<LiveOutputEntry<T>>((batch) => setState((state) => ({ entries: appendNew(state.entries, seen, batch), error: null })));
    void (async () => {
      try {
        const entries = client.sessions.open(sessionId).output(name).subscribe({ after: options.after, signal: controller.signal });
        for await (const entry of entries) arriving.push(entry as LiveOutputEntry<T>);
      } catch (error) {
        if (!controller.signal.aborted) setState((state) => ({ ...state, error: error as Error }));
      }
    })();
    return () => {
      controller.abort();
      arriving.cancel();
    };
  }, [client, sessionId, name, options.after]);
  return state;
}
