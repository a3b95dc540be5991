import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import { Errors } from "@oclif/core";

/**
 * Traces out of `helmr server`, `helmr worker` and `helmr dev`, configured by the standard
 * OpenTelemetry variables: on when OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (and OTEL_TRACES_EXPORTER is not "none"), sent
 * as OTLP over HTTP, protobuf unless OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL says http/json.
 * `service.name` is the process's kind unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES)
 * names it. Off, nothing is registered and Helmr's spans cost nothing (broker tracing.ts).
 */
export interface Tracing {
  /** Makes it this process's tracer provider, context manager and propagator. */
  register(): void;
  /** Takes them away again (nothing traced, as before `register`). */
  unregister(): void;
  /** Sends what is still buffered, for `waitMs` at most. */
  shutdown(waitMs?: number): Promise<void>;
}

/** Registers tracing from the OTEL_* settings, when they turn it on. */
export async function startTracing(serviceName: "helmr-api" | "helmr-worker", env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  const tracing = await tracingFor(serviceName, env);
  tracing?.register();
  return tracing;
}

/** Tracing as the OTEL_* settings describe it, not registered yet; undefined when they turn it off. */
export async function tracingFor(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_TRACES_EXPORTER === "none" || env.OTEL_SDK_DISABLED === "true") return undefined;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || "http/protobuf";
  const exporter = await exporterFor(protocol, env);
  const detected = await detectResources({ detectors: [envDetector] });
  const resource = resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME || serviceName }).merge(detected);
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: positive(env.OTEL_BSP_SCHEDULE_DELAY) })],
  });
  const contexts = new AsyncLocalStorageContextManager();
  return {
    register() {
      context.setGlobalContextManager(contexts.enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      trace.setGlobalTracerProvider(provider);
    },
    unregister() {
      trace.disable();
      propagation.disable();
      context.disable();
    },
    shutdown: (waitMs = 5_000) => Promise.race([provider.shutdown(), new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref())]).catch(() => {}),
  };
}

const positive = (text: string | undefined) => (text && Number(text) > 0 ? Number(text) : undefined);

/** The OTLP exporter of the protocol; its endpoint and headers from `env` (the exporters read process.env themselves for the rest). */
async function exporterFor(protocol: string, env: NodeJS.ProcessEnv): Promise<SpanExporter> {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/$/, "")}/v1/traces`;
  if (protocol === "http/json") return new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter({ url: traces });
  if (protocol === "http/protobuf") return new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter({ url: traces });
  throw new Errors.CLIError(`OTEL_EXPORTER_OTLP_PROTOCOL "${protocol}" is not supported: set it to http/protobuf (the default) or http/json`, { exit: 1 });
}
