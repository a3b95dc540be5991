import type { HelmrEngine } from "@helmr/broker";
import type { RouterContext } from "@koa/router";
import type { Logger } from "pino";

export interface ApiDeps {
  engine: HelmrEngine;
  logger: Logger;
  /** Secret keys that authorize /api/v1 (HELMR_API_KEYS). */
  apiKeys: string[];
  maxPayloadBytes: number;
}

export interface ApiState {
  requestId: string;
}

export type ApiContext = RouterContext<ApiState>;

/** One route handler per file (STYLE.md); routes/index.ts mounts them all. */
export interface RouteDefinition {
  method: "get" | "post";
  path: string;
  handler: (ctx: ApiContext, deps: ApiDeps) => Promise<void>;
}

export const defineRoute = (route: RouteDefinition): RouteDefinition => route;
