import { PassThrough } from "node:stream";
import type { ApiContext, RouteDeps } from "./types.ts";

const BLOCK_MS = 5_000;
const HEARTBEAT_MS = 15_000;

/** A server-sent event stream this response writes: events, until the client goes away or the server shuts down. */
export interface EventStream {
  readonly open: boolean;
  send(id: string, event: string, data: unknown): void;
  close(): void;
}

/**
 * Turns the response into an event stream (headers, a retry hint, a heartbeat comment every
 * 15 s), closed when the client goes away, the server shuts down, or its writer is done;
 * `onClose` frees what the writer holds.
 */
export function openEventStream(ctx: ApiContext, deps: RouteDeps, onClose: () => void = () => {}): EventStream {
  const body = new PassThrough();
  ctx.status = 200;
  ctx.set({ "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
  ctx.body = body;
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    deps.closing.removeEventListener("abort", close);
    onClose();
    body.end();
  };
  const heartbeat = setInterval(() => body.write(": keep-alive\n\n"), HEARTBEAT_MS);
  ctx.req.on("close", close);
  deps.closing.addEventListener("abort", close);
  body.write("retry: 1000\n\n");
  return {
    get open() {
      return open;
    },
    send: (id, event, data) => void body.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    close,
  };
}

/**
 * Streams a session output stream as server-sent events: entries after `after`, then live
 * ones (XREAD BLOCK on a connection of this response's own). Each event's id is the entry
 * id.
 */
export function streamOutputEvents(ctx: ApiContext, deps: RouteDeps, sessionId: string, stream: string, after: string): void {
  const blocking = deps.engine.resources.redis.duplicate();
  const events = openEventStream(ctx, deps, () => blocking.disconnect());
  void (async () => {
    let cursor = after;
    try {
      while (events.open) {
        const entries = await deps.engine.streams.tailOutput(blocking, sessionId, stream, cursor, BLOCK_MS);
        for (const entry of entries) {
          events.send(entry.id, "output", entry);
          cursor = entry.id;
        }
      }
    } catch (error) {
      if (events.open) deps.logger.warn({ err: error, sessionId, stream }, "output stream tail failed; closing the event stream");
    } finally {
      events.close();
    }
  })();
}
