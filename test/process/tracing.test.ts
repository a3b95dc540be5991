import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../harness/otlp-receiver.ts";
import { eventually } from "../harness/poll.ts";
import { startServerProcess, startedPerTest } from "../harness/processes.ts";
import { runReaches } from "../harness/runs.ts";

/**
 * OpenTelemetry as an operator turns it on: the standard OTEL_* variables on `helmr server`
 * and `helmr worker`, spans exported to a real OTLP/HTTP receiver this test starts.
 */
const start = startedPerTest();
let receiver: OtlpReceiver | undefined;
afterEach(async () => receiver?.close());

const otel = (url: string, protocol: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_BSP_SCHEDULE_DELAY: "100" });

describe("traces from helmr server and helmr worker", () => {
  it("follows a run in one trace from the caller's traceparent to its end, across the wait and into its child", async () => {
    receiver = await startOtlpReceiver();
    const { env, baseUrl, client } = await startServerProcess(start, otel(receiver.url, "http/json"));
    const worker = start(["worker", "test/fixtures/tracing/tasks.ts", "--json"], { ...env, ...otel(receiver.url, "http/json") });
    await worker.json(30_000);

    // The caller's own trace, as a traced backend would send it.
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    const triggered = await fetch(`${baseUrl}/api/v1/tasks/traced-flow/trigger`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.HELMR_API_KEYS}`, "content-type": "application/json", traceparent: `00-${traceId}-${callerSpan}-01` },
      body: JSON.stringify({ payload: { n: 20 } }),
    });
    expect(triggered.status).toBe(201);
    const { runId, sessionId } = await triggered.json();
    await runReaches(client, runId, "waiting");
    await client.sessions.open(sessionId).input("traced-approval").send("ana");
    expect((await runReaches(client, runId, "completed")).output).toEqual({ approvedBy: "ana", doubled: 42, batch: [2, 4] });

    const spans = () => receiver!.spans.filter((span) => span.traceId === traceId);
    const named = (name: string) => spans().filter((span) => span.name === name);
    await eventually(() => named("helmr.execute traced-child").length === 3 && named("helmr.execute traced-flow").length >= 3, {
      timeoutMs: 15_000,
      what: "the spans of the run and its child",
    });
    const one = (name: string): ReceivedSpan => {
      const found = named(name);
      expect(found, name).toHaveLength(1);
      return found[0];
    };
    const request = one("POST /api/v1/tasks/:taskId/trigger");
    expect(request).toMatchObject({ service: "helmr-api", parentSpanId: callerSpan, attributes: { "http.response.status_code": 201 } });
    const trigger = one("helmr.trigger traced-flow");
    expect(trigger.parentSpanId).toBe(request.spanId);
    expect(trigger.attributes).toMatchObject({ "helmr.run_id": runId, "helmr.task": "traced-flow" });

    // Every execution of the run, on the worker, is a child of its trigger: one trace per run.
    const executions = named("helmr.execute traced-flow");
    for (const execution of executions) expect(execution).toMatchObject({ service: "helmr-worker", parentSpanId: trigger.spanId });
    const first = executions.find((execution) => execution.attributes["helmr.resumed"] === false)!;
    expect(one("helmr.step prepare").parentSpanId).toBe(first.spanId);
    expect(one("helmr.output.append traced-notes").parentSpanId).toBe(first.spanId);

    // The parked interval is a span of its own, and the request that sent the input is linked from it and from the execution it resumed.
    const input = receiver.spans.find((span) => span.name === "POST /api/v1/sessions/:id/input/:stream")!;
    expect(input).toBeDefined();
    const wait = one("helmr.wait input");
    expect(wait).toMatchObject({ parentSpanId: trigger.spanId, attributes: { "helmr.wait.kind": "input", "helmr.wait.stream": "traced-approval" } });
    expect(BigInt(wait.endTimeUnixNano) > BigInt(wait.startTimeUnixNano)).toBe(true);
    expect(wait.links.map((link) => link.spanId)).toEqual([input.spanId]);
    const resumedByInput = executions.filter((execution) => execution.links.some((link) => link.spanId === input.spanId));
    expect(resumedByInput).toHaveLength(1);

    // The child run's trace context comes from the execution that triggered it.
    // So does a batch's: each child's execution is under the batch's trigger.
    const childTrigger = one("helmr.trigger traced-child");
    const batchTrigger = one("helmr.batch_trigger traced-child");
    const executionIds = executions.map((execution) => execution.spanId);
    expect(executionIds).toContain(childTrigger.parentSpanId);
    expect(executionIds).toContain(batchTrigger.parentSpanId);
    expect(
      named("helmr.execute traced-child")
        .map((execution) => execution.parentSpanId)
        .sort(),
    ).toEqual([childTrigger.spanId, batchTrigger.spanId, batchTrigger.spanId].sort());
    // The wait for the child (and the batch's, unless its children all ended before the run parked) under the run's trigger.
    const childWaits = named("helmr.wait child");
    expect(childWaits.length).toBeGreaterThanOrEqual(1);
    for (const wait of childWaits) expect(wait.parentSpanId).toBe(trigger.spanId);
  });

  it("exports protobuf unless told http/json, and names the service by OTEL_SERVICE_NAME", async () => {
    receiver = await startOtlpReceiver();
    const named = await startServerProcess(start, { ...otel(receiver.url, "http/json"), OTEL_SERVICE_NAME: "billing-helmr" });
    await named.client.waits.list();
    await eventually(() => receiver!.spans.some((span) => span.name === "GET /api/v1/waits" && span.service === "billing-helmr"), {
      timeoutMs: 10_000,
      what: "the request's span from billing-helmr",
    });
    const protobuf = await startServerProcess(start, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "100" });
    await protobuf.client.waits.list();
    await eventually(() => receiver!.contentTypes.includes("application/x-protobuf"), { timeoutMs: 10_000, what: "a protobuf export" });
  });
});
