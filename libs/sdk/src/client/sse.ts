import { createParser, type EventSourceMessage } from "eventsource-parser";
import { HelmrApiError } from "./errors.ts";
import type { HttpTransport } from "./http.ts";

export interface ServerSentEvent {
  id: string;
  event: string;
  data: string;
}

/**
 * Reads a server-sent event stream with fetch only (no EventSource: it cannot send an API
 * key). Parsing is eventsource-parser's, which follows the spec (multi-line data joined
 * with newlines, CR, LF and CRLF line endings, comments).
 */
export async function* readServerSentEvents(
  http: HttpTransport,
  path: string,
  lastEventId: string | undefined,
  signal?: AbortSignal,
): AsyncGenerator<ServerSentEvent> {
  const response = await http.fetchRaw(path, { accept: "text/event-stream", ...(lastEventId ? { "last-event-id": lastEventId } : {}) }, signal);
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
    throw new HelmrApiError(response.status, body?.error?.code ?? "http_error", body?.error?.message ?? `HTTP ${response.status}`);
  }
  const parsed: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => parsed.push(event) });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
      for (const event of parsed.splice(0)) {
        if (event.data) yield { id: event.id ?? "", event: event.event ?? "message", data: event.data };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
