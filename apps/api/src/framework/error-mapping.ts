import { isRedisUnavailable } from "@helmr/broker";
import { HelmrError, type ErrorBody, type ErrorKind } from "@helmr/core";
import type { Middleware } from "koa";
import type { Logger } from "pino";
import { withHint } from "./hints.ts";
import type { ApiState } from "./types.ts";

/** Seconds a client is told to wait before retrying while Redis is unavailable. */
export const RETRY_AFTER_SECONDS = 2;

export const redisUnavailable = (cause?: unknown) =>
  new HelmrError("unavailable", "redis_unavailable", `Helmr cannot reach Redis right now; nothing was done. Retry in ${RETRY_AFTER_SECONDS} s`, undefined, {
    cause,
  });

/**
 * Every failure leaves in the one error shape (CONTRIBUTING.md): HelmrErrors with the hint
 * for their code (hints.ts),
 * Redis outages as 503 with Retry-After, unknown routes as 404, Koa's own HTTP errors by
 * their status, anything else as a 500 that is logged with the request id and tells the
 * caller nothing internal.
 */
export function errorMapping(logger: Logger): Middleware<ApiState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        respond(ctx, new HelmrError("not_found", "route_not_found", `No route ${ctx.method} ${ctx.path}; the API lives under /api/v1`));
      }
    } catch (error) {
      const mapped = toHelmrError(error, logger, ctx.state.requestId);
      if (mapped.kind === "unavailable" || mapped.kind === "too_many") ctx.set("retry-after", String(RETRY_AFTER_SECONDS));
      respond(ctx, mapped);
    }
  };
}

/** The one place a kind of error becomes an HTTP status. */
export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  malformed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported: 415,
  invalid: 422,
  too_many: 429,
  internal: 500,
  unavailable: 503,
};

function respond(ctx: Parameters<Middleware>[0], error: HelmrError): void {
  ctx.status = STATUS_OF_KIND[error.kind];
  ctx.body = error.toBody() satisfies ErrorBody;
}

function toHelmrError(error: unknown, logger: Logger, requestId: string): HelmrError {
  if (HelmrError.is(error)) return withHint(error);
  if (isRedisUnavailable(error)) {
    logger.warn({ err: (error as Error).message, requestId }, "Redis unavailable; answered 503");
    return redisUnavailable(error);
  }
  const http = error as { status?: number; message?: string; expose?: boolean };
  if (http.status === 405) return new HelmrError("method_not_allowed", "method_not_allowed", http.message ?? "Method not allowed");
  // Koa's own client errors (a body it could not read, say) keep their status's kind.
  if (http.status && http.status >= 400 && http.status < 500 && http.expose)
    return new HelmrError(kindOfStatus(http.status), "bad_request", http.message ?? "Bad request");
  logger.error({ err: error, requestId }, "unhandled error in request");
  return new HelmrError("internal", "internal_error", `Something went wrong on our side (request ${requestId})`);
}

const kindOfStatus = (status: number): ErrorKind =>
  (Object.entries(STATUS_OF_KIND).find(([, value]) => value === status)?.[0] as ErrorKind | undefined) ?? "malformed";
