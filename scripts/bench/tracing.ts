import { spawn } from "node:child_process";
import { createWorker, type HelmrClient, streams, task } from "@helmr/sdk";
import { pino } from "pino";
// Tracing as `helmr server` and `helmr worker` set it up from the OTEL_* settings.
import { type Tracing, tracingFor } from "../../apps/cli/src/runtime/tracing.ts";
import { benchContext } from "./context.ts";
import { withApi, withApiProcess } from "./scenarios/helmr-streams.ts";
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

/** An OTLP receiver that takes every export and drops it; prints its port. */
const RECEIVER = `const server = require("node:http").createServer((request, response) => { request.resume(); request.on("end", () => response.end()); });
server.listen(0, "127.0.0.1", () => console.log(server.address().port));`;

type Clients = Record<"off" | "on", HelmrClient>;

/**
 * Input over HTTP (HelmrClient) → the parked run's code going on, with tracing off and on,
 * alternating in blocks of 20 turns in one run: off is how every other figure here is
 * taken; on exports every span (the request's, the wait's, the execution's) by OTLP
 * protobuf to a collector in a process of its own that takes and drops them. Twice: the
 * API in this process with the worker (the tracing toggled for both), and as deployed, two
 * `helmr server` processes, one started with the OTEL_* settings (the worker here toggled).
 */
export async function tracingBenchmarks({ turns }: { turns: number }): Promise<void> {
  // The collector in a process of its own: its work is not the traced process's.
  const collector = spawn(process.execPath, ["-e", RECEIVER], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve) => collector.stdout.once("data", (data) => resolve(String(data).trim())));
  const collectorUrl = `http://127.0.0.1:${port}`;
  const tracing = (await tracingFor("helmr-bench", { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl }))!;
  const ctx = await benchContext();
  try {
    await ctx.engine.ready();
    const worker = await createWorker({ tasks: [traced], redis: ctx.redisUrl, prefix: ctx.prefix, concurrency: 50, logger: pino({ level: "warn" }) });
    console.log(`Tracing: input over HTTP (HelmrClient) → resumed, ${turns} turns each way, alternating in blocks of 20`);
    await withApi(ctx, ({ client }) => measure("API in this process", { off: client, on: client }, tracing, turns));
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl };
    await withApiProcess(ctx, ({ client: off }) => withApiProcess(ctx, ({ client: on }) => measure("helmr server apart", { off, on }, tracing, turns), otel));
    await worker.close();
  } finally {
    await ctx.close();
    await tracing.shutdown();
    collector.kill();
  }
}

async function measure(label: string, clients: Clients, tracing: Tracing, turns: number): Promise<void> {
  const samples = { off: [] as number[], on: [] as number[] };
  // A run per mode, triggered (and its trace begun) the way it is then measured.
  const inputOf = async (mode: "off" | "on") => {
    if (mode === "on") tracing.register();
    const client = clients[mode];
    const { sessionId, runId } = await client.tasks.trigger("bench-traced", {});
    while ((await client.runs.retrieve(runId)).status !== "waiting") await new Promise((resolve) => setTimeout(resolve, 5));
    if (mode === "on") tracing.unregister();
    return client.sessions.open(sessionId).input(question.id);
  };
  const inputs = { off: await inputOf("off"), on: await inputOf("on") };
  for (let n = 0; n < turns * 2 + 40; n++) {
    const mode = Math.floor(n / 20) % 2 === 0 ? "off" : "on";
    if (mode === "on") tracing.register();
    const going = new Promise<void>((resolve) => resumed.set(n, resolve));
    const t0 = now();
    await inputs[mode].send({ n });
    await going;
    const t1 = now();
    resumed.delete(n);
    if (mode === "on") tracing.unregister();
    if (n >= 40) samples[mode].push(t1 - t0);
  }
  const off = summarize(samples.off);
  console.log(row(`${label}: tracing off (no tracer provider)`, off));
  console.log(row(`${label}: tracing on (OTLP protobuf)`, summarize(samples.on), off, "off"));
}
