import koaCors from "@koa/cors";
import type { Middleware } from "koa";
import type { ApiState, RouteDefinition } from "./types.ts";

/**
 * Browsers call the routes a public access token may use directly (sending input, reading
 * a session, its streams, runs and waits, completing a token): those routes, on their own
 * method only, get CORS headers (on errors too) and preflight answers, before
 * authentication, since a preflight carries no credentials. Every other method and route
 * stays same-origin, including other methods on the same paths.
 */
export function cors(routes: RouteDefinition[], prefix: string): Middleware<ApiState> {
  const allowed = routes.map((route) => ({ method: route.method.toUpperCase(), pattern: pathPattern(prefix + route.path) }));
  const isBrowserCall = (method: string, path: string) => allowed.some((route) => route.method === method && route.pattern.test(path));
  return koaCors({
    origin: (ctx) => {
      const method = ctx.method === "OPTIONS" ? ctx.get("access-control-request-method").toUpperCase() : ctx.method;
      return isBrowserCall(method, ctx.path) ? "*" : "";
    },
    allowMethods: ["GET", "POST"],
    allowHeaders: ["authorization", "content-type", "last-event-id"],
    maxAge: 600,
  }) as Middleware<ApiState>;
}

/** A router path (`/tokens/:id/complete`) as a pattern that matches it with any parameter values. */
function pathPattern(path: string): RegExp {
  const escaped = path.split("/").map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return new RegExp(`^${escaped.join("\\/")}$`);
}
