import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { buildApp } from "./app.ts";
import type { ApiDeps } from "./framework/types.ts";

export interface ApiServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

export async function startApiServer(deps: ApiDeps, options: { port: number; host: string }): Promise<ApiServer> {
  const closing = new AbortController();
  const app = buildApp(deps, closing.signal);
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        closing.abort(); // ends event streams, which would otherwise hold close() open
        // Keep-alive sockets with no request in flight would hold close() open.
        server.closeIdleConnections();
      }),
  };
}
