import { HelmrApiError } from "./errors.ts";
import type { HttpTransport } from "./http.ts";

export interface ServerSentEvent {
  id: string;
  event: string;
  data: string;
}

/** Reads a server-sent event stream with fetch only (no EventSource: it cannot send an API key). */
export async function* readServerSentEvents(http: HttpTransport, path: string, lastEventId: string | undefined, signal?: AbortSignal): AsyncGenerator<ServerSentEvent> {
  const response = await http.fetchRaw(path, { accept: "text/event-stream", ...(lastEventId ? { "last-event-id": lastEventId } : {}) }, signal);
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
    throw new HelmrApiError(response.status, body?.error?.code ?? "http_error", body?.error?.message ?? `HTTP ${response.status}`);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: ServerSentEvent = { id: "", event: "message", data: "" };
        for (const line of block.split("\n")) {
          if (line.startsWith("id: ")) event.id = line.slice(4);
          else if (line.startsWith("event: ")) event.event = line.slice(7);
          else if (line.startsWith("data: ")) event.data += line.slice(6);
        }
        if (event.data) yield event;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
