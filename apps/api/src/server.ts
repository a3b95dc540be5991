import { setMaxListeners } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { buildApp } from "./app.ts";
import type { ApiDeps } from "./framework/types.ts";

export interface ApiServer {
  url: string;
  port: number;
  /**
   * Stops accepting, lets in-flight requests finish, then resolves. Requests still running
   * after `graceMs` (one stuck on a Redis that went away, say) have their connections closed.
   */
  close(graceMs?: number): Promise<void>;
}

export async function startApiServer(deps: ApiDeps, options: { port: number; host: string }): Promise<ApiServer> {
  const closing = new AbortController();
  // Every open event stream listens for the shutdown: thousands of listeners are expected.
  setMaxListeners(0, closing.signal);
  const app = buildApp(deps, closing.signal);
  // API processes carry out bulk actions and deliver webhooks (the engine stops both as it closes).
  await deps.engine.bulkActions.serve();
  await deps.engine.webhooks.serve();
  const server: Server = app.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(cutOff);
          resolve();
        });
        closing.abort(); // ends event streams, which would otherwise hold close() open
        // Keep-alive sockets with no request in flight would hold close() open.
        server.closeIdleConnections();
      }),
  };
}
