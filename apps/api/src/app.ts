import { bodyParser } from "@koa/bodyparser";
import Router from "@koa/router";
import Koa from "koa";
import { publicTokenRefused } from "./framework/access.ts";
import { authenticate } from "./framework/auth.ts";
import { cors } from "./framework/cors.ts";
import { errorMapping } from "./framework/error-mapping.ts";
import { InputSchemas } from "./framework/input-schemas.ts";
import { requestLogging } from "./framework/logging.ts";
import { requestId } from "./framework/request-id.ts";
import type { ApiDeps, ApiState, RouteDefinition, RouteDeps } from "./framework/types.ts";
import { apiRoutes, approvePage, healthz, tokensCallback } from "./routes/index.ts";

/** Routes a browser calls directly with a public access token. */
const BROWSER_ROUTES = [/^\/api\/v1\/tokens\/[^/]+\/complete$/, /^\/api\/v1\/sessions\/[^/]+\/input\/[^/]+$/];

/** Builds the Koa app and does nothing else; listening and signals live in server.ts. */
export function buildApp(apiDeps: ApiDeps, closing: AbortSignal = new AbortController().signal): Koa<ApiState> {
  const app = new Koa<ApiState>();
  const deps: RouteDeps = { ...apiDeps, inputSchemas: new InputSchemas(apiDeps.engine, apiDeps.logger), closing };
  // Errors after a response started (a client leaving an event stream) reach Koa, not our
  // error mapping; a client going away is normal, anything else is worth a warning.
  app.on("error", (error: Error & { code?: string }) => {
    if (error.code === "ERR_STREAM_PREMATURE_CLOSE" || error.code === "ECONNRESET" || error.message === "Premature close") return;
    deps.logger.warn({ err: error }, "error after the response started");
  });

  // The middleware order, in one place: id, log, errors, CORS, then unauthenticated routes,
  // then authenticated ones (authentication before the body is read, so an unauthenticated
  // caller cannot make us parse a large body).
  app.use(requestId());
  app.use(requestLogging(deps.logger));
  app.use(errorMapping(deps.logger));
  app.use(cors(BROWSER_ROUTES));
  // The envelope may exceed the payload limit a little; payloads are checked on their own (framework/payload.ts).
  const body = bodyParser({ enableTypes: ["json"], jsonLimit: deps.maxPayloadBytes + 64 * 1024, encoding: "utf-8" });

  // No Authorization header here: health checks, the approval page, and callback URLs whose path holds the credential.
  const open = new Router<ApiState>();
  mount(open, [healthz, approvePage], deps);
  open.use("/api/v1/tokens/:id/callback/:secret", body);
  mount(open, [tokensCallback], deps);
  app.use(open.routes());

  const api = new Router<ApiState>({ prefix: "/api/v1" });
  api.use(authenticate(deps.apiKeys));
  api.use(body);
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
