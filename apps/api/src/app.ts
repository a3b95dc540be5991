import { EventStreams } from "./framework/event-stream-limits.ts";
import { readFileSync } from "node:fs";
import Router from "@koa/router";
import Koa from "koa";
import { publicTokenRefused } from "./framework/access.ts";
import { authenticate } from "./framework/auth.ts";
import { cors } from "./framework/cors.ts";
import { errorMapping } from "./framework/error-mapping.ts";
import { InputSchemas } from "./framework/input-schemas.ts";
import { jsonBodies } from "./framework/json-body.ts";
import { OutputFanout } from "./framework/output-fanout.ts";
import { SharedLooks } from "./framework/shared-looks.ts";
import { requestLogging } from "./framework/logging.ts";
import { redisGate } from "./framework/redis-gate.ts";
import { requestId } from "./framework/request-id.ts";
import { requestTracing } from "./framework/tracing.ts";
import { securityHeaders } from "./framework/security-headers.ts";
import type { ApiDeps, ApiState, RouteDefinition, RouteDeps } from "./framework/types.ts";
import { buildOpenApiDocument, type DocumentedRoute } from "./openapi/document.ts";
import { apiRoutes, approvePage, dashboardAsset, dashboardPage, healthz, metrics, openApi, tokensCallback } from "./routes/index.ts";

const API_PREFIX = "/api/v1";

/** The routes a browser calls directly with a public access token: the only ones with CORS. */
const browserRoutes = apiRoutes.filter((route) => route.acceptsPublicToken);

/** Routes outside /api/v1's bearer check, each with its own credential (or none). */
const openRoutes = [healthz, approvePage, dashboardPage, dashboardAsset, metrics, openApi];

/** Every route as served, for the OpenAPI document. */
export const documentedRoutes: DocumentedRoute[] = [
  ...[...openRoutes, tokensCallback].map((route) => ({ route, path: route.path, authenticated: false })),
  ...apiRoutes.map((route) => ({ route, path: API_PREFIX + route.path, authenticated: true })),
];

const apiVersion = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** Builds the Koa app and does nothing else; listening and signals live in server.ts. */
export function buildApp(apiDeps: ApiDeps, closing: AbortSignal = new AbortController().signal): Koa<ApiState> {
  const app = new Koa<ApiState>();
  const deps: RouteDeps = {
    ...apiDeps,
    inputSchemas: new InputSchemas(apiDeps.engine, apiDeps.logger),
    closing,
    openApiDocument: buildOpenApiDocument(documentedRoutes, apiVersion),
    eventStreams: new EventStreams(apiDeps.eventStreamLimits),
    outputFanout: new OutputFanout(apiDeps.engine, apiDeps.logger),
    sharedLooks: new SharedLooks(),
  };
  apiDeps.engine.resources.metrics.eventStreamsToCount = () => ({
    open: deps.eventStreams.count,
    outputFeeds: deps.outputFanout.size.feeds,
    looks: deps.sharedLooks.size,
  });
  closing.addEventListener("abort", () => {
    deps.outputFanout.close();
    deps.sharedLooks.close();
  });
  // Errors after a response started (a client leaving an event stream) reach Koa, not our
  // error mapping; a client going away is normal, anything else is worth a warning.
  app.on("error", (error: Error & { code?: string }) => {
    if (error.code === "ERR_STREAM_PREMATURE_CLOSE" || error.code === "ECONNRESET" || error.message === "Premature close") return;
    deps.logger.warn({ err: error }, "error after the response started");
  });

  // The middleware order, in one place: security headers, id, log, errors, CORS, the body reader (lazy: a
  // route reads its body after its own checks), then unauthenticated routes, then
  // authenticated ones. Routes under /api/v1 answer 503 at once while Redis is down.
  app.use(securityHeaders());
  app.use(requestId());
  app.use(requestTracing());
  app.use(requestLogging(deps.logger));
  app.use(errorMapping(deps.logger));
  app.use(cors(browserRoutes, API_PREFIX));
  // The envelope may exceed the payload limit a little; payloads are checked on their own (framework/payload.ts).
  app.use(jsonBodies(deps.maxPayloadBytes + 64 * 1024));

  // Not behind the API's authentication: health checks, the approval page, callback URLs
  // whose path holds the credential, metrics (their own bearer check, routes/metrics.ts), the
  // dashboard's files (it signs in with a key of its own) and the OpenAPI document.
  const open = new Router<ApiState>();
  mount(open, openRoutes, deps);
  open.use(tokensCallback.path, redisGate(deps.engine));
  mount(open, [tokensCallback], deps);
  app.use(open.routes());

  const api = new Router<ApiState>({ prefix: API_PREFIX });
  api.use(authenticate(deps.apiKeys));
  api.use(redisGate(deps.engine));
  mount(api, apiRoutes, deps);
  app.use(api.routes());
  app.use(api.allowedMethods({ throw: true }));
  return app;
}

function mount(router: Router<ApiState>, routes: RouteDefinition[], deps: RouteDeps): void {
  for (const route of routes) {
    router[route.method](route.path, (ctx) => {
      if (ctx.state.principal?.kind === "public" && !route.acceptsPublicToken) throw publicTokenRefused();
      return route.handler(ctx, deps);
    });
  }
}
