import { METRICS_UNAUTHORIZED } from "@helmr/broker";
import { HelmrError, bearerMatches } from "@helmr/core";
import { defineRoute } from "../framework/types.ts";

/**
 * Prometheus metrics of this process (text format; EngineMetrics in @helmr/broker). Open
 * to a secret key, or to HELMR_METRICS_TOKEN, which a scraper can hold without being able
 * to call the API.
 */
export default defineRoute({
  method: "get",
  path: "/metrics",
  doc: {
    operationId: "metrics",
    summary: "Prometheus metrics of this process",
    credentials: ["secretKey", "metricsToken"],
    responses: { 200: { mediaType: "text/plain", description: "Prometheus text exposition format" } },
  },
  handler: async (ctx, { engine, apiKeys, metricsToken }) => {
    if (!bearerMatches(ctx.get("authorization"), metricsToken ? [...apiKeys, metricsToken] : apiKeys)) {
      throw new HelmrError("unauthenticated", "unauthorized", METRICS_UNAUTHORIZED);
    }
    ctx.set("content-type", engine.resources.metrics.contentType);
    ctx.body = await engine.resources.metrics.text();
  },
});
