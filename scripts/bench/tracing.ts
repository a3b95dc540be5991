import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createWorker, streams, task } from "@helmr/sdk";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { pino } from "pino";
import { benchContext } from "./context.ts";
import { withApi } from "./scenarios/helmr-streams.ts";
import { now, row, summarize } from "./stats.ts";

const question = streams.input<{ n: number }>("bench-traced-question");
const resumed = new Map<number, () => void>();
/** Parks for each question; its code going on after the wait is what is timed. */
const traced = task({
  id: "bench-traced",
  run: async () => {
    for (;;) {
      const asked = await question.wait().unwrap();
      resumed.get(asked.n)?.();
    }
  },
});

/** Tracing as `helmr server`/`helmr worker` turn it on (apps/cli/src/runtime/tracing.ts), exporting to `url`; off again with `stop`. */
function tracingTo(url: string) {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "helmr-bench" }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${url}/v1/traces` }) })],
  });
  const contexts = new AsyncLocalStorageContextManager();
  return {
    start() {
      context.setGlobalContextManager(contexts.enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      trace.setGlobalTracerProvider(provider);
    },
    stop() {
      trace.disable();
      propagation.disable();
      context.disable();
    },
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Input over HTTP (HelmrClient) → the parked run's code going on, with tracing off and on,
 * alternating in blocks of 20 turns in one run: off is how every other figure here is
 * taken; on exports every span (the request's, the wait's, the execution's) by OTLP
 * protobuf to a receiver in this process that takes and drops them.
 */
export async function tracingBenchmarks({ turns }: { turns: number }): Promise<void> {
  const receiver = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const tracing = tracingTo(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}`);
  const ctx = await benchContext();
  try {
    await ctx.engine.ready();
    const worker = await createWorker({ tasks: [traced], redis: ctx.redisUrl, prefix: ctx.prefix, concurrency: 50, logger: pino({ level: "warn" }) });
    await withApi(ctx, async ({ client }) => {
      const samples = { off: [] as number[], on: [] as number[] };
      // A run per mode, so each is triggered (and its trace begun) the way it is then measured.
      const sessionOf = async (on: boolean) => {
        if (on) tracing.start();
        const { sessionId, runId } = await client.tasks.trigger("bench-traced", {});
        while ((await client.runs.retrieve(runId)).status !== "waiting") await new Promise((resolve) => setTimeout(resolve, 5));
        if (on) tracing.stop();
        return client.sessions.open(sessionId).input(question.id);
      };
      const inputs = { off: await sessionOf(false), on: await sessionOf(true) };
      for (let n = 0; n < turns * 2 + 40; n++) {
        const mode = Math.floor(n / 20) % 2 === 0 ? "off" : "on";
        if (mode === "on") tracing.start();
        const going = new Promise<void>((resolve) => resumed.set(n, resolve));
        const t0 = now();
        await inputs[mode].send({ n });
        await going;
        const t1 = now();
        resumed.delete(n);
        if (mode === "on") tracing.stop();
        if (n >= 40) samples[mode].push(t1 - t0);
      }
      const off = summarize(samples.off);
      console.log(`Tracing: input over HTTP (HelmrClient) → resumed, ${turns} turns each way, alternating in blocks of 20`);
      console.log(row("tracing off (no tracer provider)", off));
      console.log(row("tracing on (OTLP protobuf to a local receiver)", summarize(samples.on), off, "off"));
    });
    await worker.close();
  } finally {
    await ctx.close();
    await tracing.shutdown();
    receiver.close();
  }
}
