import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { ApiState } from "./types.ts";

export function requestLogging(logger: Logger): Middleware<ApiState> {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      logger.debug({ requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, "request");
    }
  };
}
