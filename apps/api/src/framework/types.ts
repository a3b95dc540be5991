import type { EventStreamLimits, EventStreams } from "./event-stream-limits.ts";
import type { HelmrEngine } from "@helmr/broker";
import type { RouterContext } from "@koa/router";
import type { Logger } from "pino";
import type { z } from "zod";
import type { InputSchemas } from "./input-schemas.ts";
import type { OutputFanout } from "./output-fanout.ts";
import type { SharedLooks } from "./shared-looks.ts";

/** Who made a request: a secret key's holder, or a public access token's (framework/auth.ts). */
export type Principal = { kind: "secret" } | { kind: "public"; token: string };

/** A request's JSON body as the lazy reader gives it (framework/json-body.ts). */
export type JsonBody = { present: false } | { present: true; value: unknown };

export interface ApiDeps {
  engine: HelmrEngine;
  logger: Logger;
  /** Secret keys that authorize /api/v1 (HELMR_API_KEYS). */
  apiKeys: string[];
  maxPayloadBytes: number;
  /** HELMR_METRICS_TOKEN: a bearer that opens GET /metrics only (a secret key opens it too). */
  metricsToken?: string;
  /** Bounds on server-sent event streams (framework/sse.ts, EVENT_STREAM_LIMITS; HELMR_STREAMS_* in `helmr server`). */
  eventStreamLimits?: Partial<EventStreamLimits>;
}

/** What the routes get: the deps, plus process-wide helpers built once in buildApp. */
export interface RouteDeps extends ApiDeps {
  inputSchemas: InputSchemas;
  /** Aborted when the server shuts down: long-lived responses (SSE) end then. */
  closing: AbortSignal;
  /** GET /api/v1/openapi.json's body, built once from the routes' docs. */
  openApiDocument: Record<string, unknown>;
  /** The event streams this process has open, counted against their limits. */
  eventStreams: EventStreams;
  /** Output streams read once for every event stream of this process that follows them. */
  outputFanout: OutputFanout;
  /** Runs and sessions looked at once per interval for every event stream following them. */
  sharedLooks: SharedLooks;
}

export interface ApiState {
  requestId: string;
  principal: Principal;
  /** Reads and parses the request's JSON body once, when a route asks (framework/json-body.ts). */
  readBody: () => Promise<JsonBody>;
}

export type ApiContext = RouterContext<ApiState>;

/** Who may call a route, as the OpenAPI document names it (openapi/document.ts). */
export type Credential = "secretKey" | "publicAccessToken" | "metricsToken" | "callbackSecret";

/**
 * What GET /api/v1/openapi.json says of a route. The schemas are the ones the handler
 * validates with and the records it returns (core's schemas), so the document cannot drift
 * from the code without the suite's response checks failing (test/api/openapi.test.ts).
 */
export interface RouteDoc {
  operationId: string;
  summary: string;
  /** Path parameters the handler checks against a schema; others are plain strings. */
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success statuses: the JSON body's schema, null for no body, or another media type's description. */
  responses: Record<number, z.ZodType | null | { mediaType: string; description: string }>;
  /** Error statuses this route answers besides those of every route (400, 401, 404, 413, 415, 422, 503). */
  errors?: number[];
  /** Credentials for a route outside /api/v1's bearer check; [] when it is open. */
  credentials?: Credential[];
  /** The route also streams server-sent events for `Accept: text/event-stream`. */
  eventStream?: string;
}

/** One route handler per file (CONTRIBUTING.md); routes/index.ts mounts them all. */
export interface RouteDefinition {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  /** Also open to a public access token, which the handler checks against its scope. */
  acceptsPublicToken?: boolean;
  doc: RouteDoc;
  handler: (ctx: ApiContext, deps: RouteDeps) => Promise<void>;
}

export const defineRoute = (route: RouteDefinition): RouteDefinition => route;
