import { PassThrough } from "node:stream";
import type { ApiContext, RouteDeps } from "./types.ts";

const BLOCK_MS = 5_000;
const HEARTBEAT_MS = 15_000;

/** A server-sent event stream this response writes: events, until the client goes away or the server shuts down. */
export interface EventStream {
  readonly open: boolean;
  /** Writes an event; false when the client has not taken what was written before (wait for `drained`). */
  send(id: string, event: string, data: unknown): boolean;
  /** Resolves once the client took what was buffered, or the stream closed. */
  drained(): Promise<void>;
  close(): void;
}

/** The public access token a stream counts against, by its id part; null for a secret key (a backend, bound by the process's limit alone). */
function credentialOf(ctx: ApiContext): string | null {
  const principal = ctx.state.principal;
  return principal.kind === "public" ? principal.token.split(".")[0] : null;
}

/**
 * Turns the response into an event stream (headers, a retry hint, a heartbeat comment every
 * 15 s), counted against the process's and the credential's limits (429 beyond them),
 * closed when the client goes away, the server shuts down, or its writer is done. A client
 * that does not read is never buffered for without bound: past `maxBufferedBytes` the
 * stream ends with a `dropped` event saying so; a stream with no event for `idleMs` ends
 * with an `idle` event. Either way the client reconnects with Last-Event-ID and misses
 * nothing. `onClose` frees what the writer holds.
 */
export function openEventStream(ctx: ApiContext, deps: RouteDeps, onClose: () => void = () => {}): EventStream {
  const release = deps.eventStreams.admit(credentialOf(ctx));
  const { maxBufferedBytes, idleMs } = deps.eventStreams.limits;
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
    clearTimeout(idle);
    deps.closing.removeEventListener("abort", close);
    release();
    onClose();
    body.end();
  };
  const last = (event: string, reason: string) => {
    body.write(`event: ${event}\ndata: ${JSON.stringify({ reason })}\n\n`);
    close();
  };
  const idleAfter = () => setTimeout(() => last("idle", `no event for ${idleMs} ms: reconnect with Last-Event-ID to go on`), idleMs);
  let idle = idleAfter();
  const heartbeat = setInterval(() => body.write(": keep-alive\n\n"), HEARTBEAT_MS);
  ctx.req.on("close", close);
  deps.closing.addEventListener("abort", close);
  body.write("retry: 1000\n\n");
  return {
    get open() {
      return open;
    },
    send: (id, event, data) => {
      if (!open) return false;
      clearTimeout(idle);
      idle = idleAfter();
      const taken = body.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (body.writableLength + ctx.res.writableLength > maxBufferedBytes) {
        last("dropped", `the client read too slowly (over ${maxBufferedBytes} bytes waiting): reconnect with Last-Event-ID to go on`);
        return false;
      }
      return taken;
    },
    drained: () =>
      open && body.writableNeedDrain
        ? new Promise<void>((resolve) => {
            const done = () => (body.off("drain", done), deps.closing.removeEventListener("abort", done), resolve());
            body.once("drain", done);
            body.once("close", done);
            deps.closing.addEventListener("abort", done);
          })
        : Promise.resolve(),
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
        // Read no faster than the client takes: what it has not taken stays in Redis, not here.
        await events.drained();
      }
    } catch (error) {
      if (events.open) deps.logger.warn({ err: error, sessionId, stream }, "output stream tail failed; closing the event stream");
    } finally {
      events.close();
    }
  })();
}
