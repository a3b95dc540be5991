import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { ApiState } from "./types.ts";

export function requestLogging(logger: Logger): Middleware<ApiState> {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      logger.debug(
        { requestId: ctx.state.requestId, method: ctx.method, path: loggablePath(ctx.path), status: ctx.status, ms: Math.round(performance.now() - started) },
        "request",
      );
    }
  };
}

/** A token's callback path carries its secret (the credential of routes/tokens-callback.ts): logs never show it. */
export function loggablePath(path: string): string {
  return path.replace(/(\/tokens\/[^/]+\/callback\/)[^/]+/, "$1***");
}
