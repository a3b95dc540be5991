import type { Middleware } from "koa";
import type { ApiState } from "./types.ts";

/**
 * Headers every response carries, errors included: browsers must not guess a type other than
 * the one sent (an input echoed back as text must never run as a script or a page).
 */
export function securityHeaders(): Middleware<ApiState> {
  return async (ctx, next) => {
    ctx.set("X-Content-Type-Options", "nosniff");
    await next();
  };
}
