import type { Middleware } from "koa";
import type { ApiState } from "./types.ts";

/**
 * Browsers call a few routes directly with a public access token: they get CORS headers
 * (on errors too) and preflight answers, before authentication, since a preflight carries
 * no credentials. Secret-key routes stay same-origin.
 */
export function cors(paths: RegExp[]): Middleware<ApiState> {
  return async (ctx, next) => {
    if (!paths.some((path) => path.test(ctx.path))) return next();
    ctx.set("access-control-allow-origin", "*");
    ctx.set("access-control-allow-headers", "authorization, content-type");
    ctx.set("access-control-allow-methods", "POST, OPTIONS");
    ctx.set("access-control-max-age", "600");
    if (ctx.method === "OPTIONS") {
      ctx.status = 204;
      return;
    }
    await next();
  };
}
