import type { HelmrEngine } from "@helmr/broker";
import type { RouterContext } from "@koa/router";
import type { Logger } from "pino";
import type { Principal } from "./auth.ts";
import type { InputSchemas } from "./input-schemas.ts";
import type { JsonBody } from "./json-body.ts";

export interface ApiDeps {
  engine: HelmrEngine;
  logger: Logger;
  /** Secret keys that authorize /api/v1 (HELMR_API_KEYS). */
  apiKeys: string[];
  maxPayloadBytes: number;
  /** HELMR_METRICS_TOKEN: a bearer that opens GET /metrics only (a secret key opens it too). */
  metricsToken?: string;
}

/** What the routes get: the deps, plus process-wide helpers built once in buildApp. */
export interface RouteDeps extends ApiDeps {
  inputSchemas: InputSchemas;
  /** Aborted when the server shuts down: long-lived responses (SSE) end then. */
  closing: AbortSignal;
}

export interface ApiState {
  requestId: string;
  principal: Principal;
  /** Reads and parses the request's JSON body once, when a route asks (framework/json-body.ts). */
  readBody: () => Promise<JsonBody>;
}

export type ApiContext = RouterContext<ApiState>;

/** One route handler per file (CONTRIBUTING.md); routes/index.ts mounts them all. */
export interface RouteDefinition {
  method: "get" | "post" | "delete";
  path: string;
  /** Also open to a public access token, which the handler checks against its scope. */
  acceptsPublicToken?: boolean;
  handler: (ctx: ApiContext, deps: RouteDeps) => Promise<void>;
}

export const defineRoute = (route: RouteDefinition): RouteDefinition => route;
