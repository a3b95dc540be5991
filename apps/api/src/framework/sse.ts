import { PassThrough } from "node:stream";
import type { ApiContext, RouteDeps } from "./types.ts";

const BLOCK_MS = 5_000;
const HEARTBEAT_MS = 15_000;

/**
 * Streams a session output stream as server-sent events: entries after `after`, then live
 * ones (XREAD BLOCK on a connection of this response's own). Each event's id is the entry
 * id. Ends when the client goes away or the server shuts down.
 */
export function streamOutputEvents(ctx: ApiContext, deps: RouteDeps, sessionId: string, stream: string, after: string): void {
  const body = new PassThrough();
  ctx.status = 200;
  ctx.set({ "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
  ctx.body = body;
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);

  const blocking = deps.engine.resources.redis.duplicate();
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    deps.closing.removeEventListener("abort", close);
    blocking.disconnect();
    body.end();
  };
  const heartbeat = setInterval(() => body.write(": keep-alive\n\n"), HEARTBEAT_MS);
  ctx.req.on("close", close);
  deps.closing.addEventListener("abort", close);
  body.write("retry: 1000\n\n");

  void (async () => {
    let cursor = after;
    try {
      while (open) {
        const entries = await deps.engine.streams.tailOutput(blocking, sessionId, stream, cursor, BLOCK_MS);
        for (const entry of entries) {
          body.write(`id: ${entry.id}\nevent: output\ndata: ${JSON.stringify(entry)}\n\n`);
          cursor = entry.id;
        }
      }
    } catch (error) {
      if (open) deps.logger.warn({ err: error, sessionId, stream }, "output stream tail failed; closing the event stream");
    } finally {
      close();
    }
  })();
}
