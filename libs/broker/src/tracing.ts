import {
  type Attributes,
  type Context,
  context,
  type Link,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  trace,
  TraceFlags,
} from "@opentelemetry/api";

/**
 * Traces (OpenTelemetry). Helmr's libraries use only `@opentelemetry/api`: spans go to
 * whatever tracer provider the process registered (`helmr server` and `helmr worker`
 * register one from the OTEL_* settings; an app embedding a worker registers its own), and
 * with none, nothing is traced and nothing is paid: each place that would start a span asks
 * `tracingOn()` first.
 *
 * One trace per run: the trigger's span context is stored on the run (`tp`, a W3C
 * traceparent) and every execution of the run, on any worker, is its child; a wait's
 * parked interval is a span of its own; the request that resumed a run is linked from the
 * execution it resumed (the job carries its traceparent).
 */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** Whether a tracer provider is registered in this process. */
export function tracingOn(): boolean {
  return (trace.getTracerProvider() as ProxyTracerProvider).getDelegate?.() !== NOOP_PROVIDER;
}

export const tracer = () => trace.getTracer("helmr");

/** The run hash field with the traceparent of the run's trigger. */
export const TRACE_FIELD = "tp";

/** A span's context as a W3C traceparent header value. */
export function traceparentOf(span: Span | SpanContext): string {
  const spanContext = "spanContext" in span ? span.spanContext() : span;
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${(spanContext.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}

/** The traceparent of the span active now, when one records (what a job carries to link its execution to this request). */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? traceparentOf(span) : undefined;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function spanContextOf(traceparent: string): SpanContext | undefined {
  const match = TRACEPARENT.exec(traceparent);
  if (!match) return undefined;
  return { traceId: match[1], spanId: match[2], traceFlags: Number.parseInt(match[3], 16), isRemote: true };
}

/** A context whose parent span is the traceparent's (the root context when it is not one). */
export function contextOfTraceparent(traceparent: string | undefined | null): Context {
  const spanContext = traceparent ? spanContextOf(traceparent) : undefined;
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}

export function linkTo(traceparent: string | undefined): Link[] {
  const spanContext = traceparent ? spanContextOf(traceparent) : undefined;
  return spanContext ? [{ context: spanContext }] : [];
}

/** Runs `fn` in a span of its own under the active one (when tracing is on), ending it as `fn` settles. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!tracingOn()) return fn();
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: 2, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { context };
