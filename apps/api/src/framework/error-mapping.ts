import { HelmrError, type ErrorBody } from "@helmr/core";
import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { ApiState } from "./types.ts";

/**
 * Every failure leaves in the one error shape (STYLE.md): HelmrErrors as they are,
 * body-parser errors as 400/413/415, unknown routes as 404, anything else as a 500
 * that is logged with the request id and tells the caller nothing internal.
 */
export function errorMapping(logger: Logger): Middleware<ApiState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        respond(ctx, new HelmrError(404, "route_not_found", `No route ${ctx.method} ${ctx.path}; the API lives under /api/v1`));
      }
    } catch (error) {
      respond(ctx, toHelmrError(error, logger, ctx.state.requestId));
    }
  };
}

function respond(ctx: Parameters<Middleware>[0], error: HelmrError): void {
  ctx.status = error.status;
  ctx.body = error.toBody() satisfies ErrorBody;
}

function toHelmrError(error: unknown, logger: Logger, requestId: string): HelmrError {
  if (HelmrError.is(error)) return error;
  const http = error as { status?: number; type?: string; message?: string; expose?: boolean };
  if (http.status === 413 || http.type === "entity.too.large") {
    return new HelmrError(413, "payload_too_large", `The request body is larger than the limit; keep payloads under the configured size (HELMR_MAX_PAYLOAD_BYTES)`);
  }
  if (http.type === "entity.parse.failed" || (http.status === 400 && /json/i.test(http.message ?? ""))) {
    return new HelmrError(400, "invalid_json", `The request body is not valid JSON: ${http.message}`);
  }
  if (http.status === 415) return new HelmrError(415, "unsupported_media_type", "Send the body as application/json");
  if (http.status === 405) return new HelmrError(405, "method_not_allowed", http.message ?? "Method not allowed");
  if (http.status && http.status >= 400 && http.status < 500 && http.expose) return new HelmrError(http.status, "bad_request", http.message ?? "Bad request");
  logger.error({ err: error, requestId }, "unhandled error in request");
  return new HelmrError(500, "internal_error", `Something went wrong on our side (request ${requestId})`);
}
