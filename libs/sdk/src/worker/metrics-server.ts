import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { METRICS_UNAUTHORIZED, type HelmrEngine } from "@helmr/broker";
import { bearerMatches } from "@helmr/core";

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A worker's GET /metrics (HELMR_METRICS_PORT), in the format and with the credentials of
 * the API's: a bearer of one of `keys` (HELMR_METRICS_TOKEN, HELMR_API_KEYS). A worker
 * has no other HTTP surface, so this is a bare node:http server rather than the API's Koa app.
 */
export async function serveMetrics(engine: HelmrEngine, options: { port: number; host?: string; keys: string[] }): Promise<MetricsServer> {
  if (options.keys.length === 0) {
    throw new Error(
      "HELMR_METRICS_PORT is set, but neither HELMR_METRICS_TOKEN nor HELMR_API_KEYS is: set HELMR_METRICS_TOKEN (16 characters or more), which the scraper sends as `Authorization: Bearer <token>`",
    );
  }
  const { metrics } = engine.resources;
  const server = createServer((request, response) => {
    const answer = (status: number, body: string, type = "application/json") => response.writeHead(status, { "content-type": type }).end(body);
    const error = (status: number, code: string, message: string) => answer(status, JSON.stringify({ error: { code, message } }));
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") return error(404, "not_found", "This worker serves GET /metrics only");
    if (!bearerMatches(request.headers.authorization, options.keys)) return error(401, "unauthorized", METRICS_UNAUTHORIZED);
    metrics.text().then(
      (text) => answer(200, text, metrics.contentType),
      (failed: Error) => error(503, "metrics_unavailable", `Could not read the metrics: ${failed.message}`),
    );
  });
  server.listen(options.port, options.host ?? "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
