import koaCors from "@koa/cors";
import type { Middleware } from "koa";
import type { ApiState, RouteDefinition } from "./types.ts";

/**
 * Browsers call the routes a public access token may use directly: those routes, on their
 * own method only, get CORS headers (on errors too) and preflight answers, before
 * authentication, since a preflight carries no credentials. Every other method and route
 * stays same-origin, including other methods on the same paths (the input history is a GET
 * on the input route's path and takes a secret key only).
 */
export function cors(routes: RouteDefinition[], prefix: string): Middleware<ApiState> {
  const allowed = routes.map((route) => ({ method: route.method.toUpperCase(), pattern: pathPattern(prefix + route.path) }));
  const isBrowserCall = (method: string, path: string) => allowed.some((route) => route.method === method && route.pattern.test(path));
  return koaCors({
    origin: (ctx) => {
      const method = ctx.method === "OPTIONS" ? ctx.get("access-control-request-method").toUpperCase() : ctx.method;
      return isBrowserCall(method, ctx.path) ? "*" : "";
    },
    allowMethods: ["POST"],
    allowHeaders: ["authorization", "content-type"],
    maxAge: 600,
  }) as Middleware<ApiState>;
}

/** A router path (`/tokens/:id/complete`) as a pattern that matches it with any parameter values. */
function pathPattern(path: string): RegExp {
  const escaped = path.split("/").map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return new RegExp(`^${escaped.join("\\/")}$`);
}
