import { tracer, tracingOn } from "@helmr/broker";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Middleware } from "koa";

/**
 * A server span per request when the process traces (broker tracing.ts), continuing the
 * caller's trace when it sends a `traceparent`: a trigger's run, and everything the run
 * does, are then part of the caller's trace. Named by the route once routing matched it.
 * Not tracing, it is one check and nothing else.
 */
export function requestTracing(): Middleware {
  return async (ctx, next) => {
    if (!tracingOn()) return next();
    // Only a request that carries a trace has one to continue.
    const parent = ctx.headers.traceparent ? propagation.extract(context.active(), ctx.headers) : context.active();
    const span = tracer().startSpan(
      `${ctx.method} ${ctx.path}`,
      { kind: SpanKind.SERVER, attributes: { "http.request.method": ctx.method, "url.path": ctx.path } },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute;
      if (route) {
        span.updateName(`${ctx.method} ${route}`);
        span.setAttribute("http.route", route);
      }
      span.setAttribute("http.response.status_code", ctx.status);
      if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}
