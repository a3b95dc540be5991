import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { ApiState } from "./types.ts";

/** Echoes a caller's x-request-id (when sane) or makes one, for logs and support. */
export function requestId(): Middleware<ApiState> {
  return async (ctx, next) => {
    const given = ctx.get("x-request-id");
    ctx.state.requestId = /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    ctx.set("x-request-id", ctx.state.requestId);
    await next();
  };
}
