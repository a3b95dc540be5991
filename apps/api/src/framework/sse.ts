import { OUTPUT_PAGE, type OutputSubscriber, outputEventFrame } from "./output-fanout.ts";
import type { ApiContext, RouteDeps } from "./types.ts";

const HEARTBEAT_MS = 15_000;

/** A server-sent event stream this response writes: events, until the client goes away or the server shuts down. */
export interface EventStream {
  readonly open: boolean;
  /** Writes an event; false when the client has not taken what was written before (wait for `drained`). */
  send(id: string, event: string, data: unknown): boolean;
  /** Writes events already written out (`id: ...\nevent: ...\ndata: ...\n\n`, one or more): one text shared by every client of a fan-out. */
  sendFrame(frame: string): boolean;
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
 * that does not read is paused, never buffered for: its writer waits for `drained()`
 * (what it has not sent stays in Redis); one that takes nothing for `stallMs`, or has more
 * than `maxBufferedBytes` waiting, is dropped with a `dropped` event saying why, and a
 * stream with no event for `idleMs` ends with an `idle` event. Either way the client
 * reconnects with Last-Event-ID and misses nothing. `onClose` frees what the writer holds.
 */
export function openEventStream(ctx: ApiContext, deps: RouteDeps, onClose: () => void = () => {}): EventStream {
  const release = deps.eventStreams.admit(credentialOf(ctx));
  const { maxBufferedBytes, idleMs, stallMs } = deps.eventStreams.limits;
  // Written to the socket's response directly, not through a body stream Koa pipes: with
  // thousands of clients of one session, each event is one write per client, not three.
  const res = ctx.res;
  ctx.respond = false;
  ctx.status = 200;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  let open = true;
  let stalled: NodeJS.Timeout | undefined;
  const close = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    clearTimeout(idle);
    clearTimeout(stalled);
    deps.closing.removeEventListener("abort", close);
    release();
    onClose();
    res.end();
  };
  const last = (event: string, reason: string) => {
    res.write(`event: ${event}\ndata: ${JSON.stringify({ reason })}\n\n`);
    close();
    // A client that reads nothing would hold the socket and what waits for it: it gets a
    // moment to read the reason, then the connection goes.
    const cutOff = setTimeout(() => res.destroy(), 5_000).unref();
    res.once("close", () => clearTimeout(cutOff));
  };
  const idleAfter = () => setTimeout(() => last("idle", `no event for ${idleMs} ms: reconnect with Last-Event-ID to go on`), idleMs);
  let idle = idleAfter();
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
  res.once("close", close);
  deps.closing.addEventListener("abort", close);
  res.on("drain", () => {
    clearTimeout(stalled);
    stalled = undefined;
  });
  res.write("retry: 1000\n\n");
  function sendFrame(frame: string): boolean {
    if (!open) return false;
    clearTimeout(idle);
    idle = idleAfter();
    const taken = res.write(frame);
    if (res.writableLength > maxBufferedBytes) {
      last("dropped", `the client read too slowly (over ${maxBufferedBytes} bytes waiting): reconnect with Last-Event-ID to go on`);
      return false;
    }
    return taken;
  }
  return {
    get open() {
      return open;
    },
    send: (id, event, data) => sendFrame(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    sendFrame,
    drained: () => {
      if (!open || !res.writableNeedDrain) return Promise.resolve();
      stalled ??= setTimeout(() => last("dropped", `the client took nothing for ${stallMs} ms: reconnect with Last-Event-ID to go on`), stallMs);
      return new Promise<void>((resolve) => {
        const done = () => (res.off("drain", done), res.off("close", done), deps.closing.removeEventListener("abort", done), resolve());
        res.once("drain", done);
        res.once("close", done);
        deps.closing.addEventListener("abort", done);
      });
    },
    close,
  };
}

/**
 * Streams a session output stream as server-sent events: entries after `after`, then live
 * ones. The client reads what it has not seen from Redis at its own pace (an XREAD of a
 * page, then waiting until the socket drains), and once it has read everything joins the
 * process's fan-out (framework/output-fanout.ts), which feeds it live until it falls behind
 * and reads from Redis again. Each event's id is the entry id.
 */
export function streamOutputEvents(ctx: ApiContext, deps: RouteDeps, sessionId: string, stream: string, after: string): void {
  let wake = () => {};
  const subscriber: OutputSubscriber = {
    cursor: after,
    take: (lastId, frames) => {
      subscriber.cursor = lastId;
      return events.sendFrame(frames);
    },
    fellBehind: () => wake(),
  };
  const events = openEventStream(ctx, deps, () => {
    deps.outputFanout.leave(sessionId, stream, subscriber);
    wake();
  });
  void (async () => {
    try {
      while (events.open) {
        const entries = await deps.engine.streams.outputAfter(sessionId, stream, subscriber.cursor, OUTPUT_PAGE);
        // Read no faster than the client takes: what it has not taken stays in Redis, not
        // here (the rest of a page is read again once the client drained).
        const refusedAt = entries.findIndex((entry) => !subscriber.take(entry.id, outputEventFrame(entry)));
        await events.drained();
        if (refusedAt >= 0 || entries.length === OUTPUT_PAGE || !events.open || !deps.outputFanout.join(sessionId, stream, subscriber)) continue;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        await events.drained();
      }
    } catch (error) {
      if (events.open) deps.logger.warn({ err: error, sessionId, stream }, "reading an output stream failed; closing the event stream");
    } finally {
      events.close();
    }
  })();
}
