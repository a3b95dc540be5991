import { type ExecutionStart, type HelmrEngine, contextOfTraceparent, linkTo, TRACE_FIELD, tracer, tracingOn } from "@helmr/broker";
import type { RunJob } from "@helmr/core";
import { type Attributes, type Context, context, type Span, SpanKind, trace } from "@opentelemetry/api";

/**
 * The spans of one execution (broker tracing.ts), when this process traces: the execution,
 * a child of the run's trigger (the job carries its traceparent, or the run's `tp` is read),
 * and before it, when the execution resumes a wait, the span of the parked interval, from
 * the wait's beginning to now. Both link to the request that resumed the run, if it was
 * traced. Undefined when the process does not trace, or the run was triggered untraced.
 */
export async function startExecutionSpan(
  engine: HelmrEngine,
  job: RunJob,
  start: ExecutionStart,
  warm: boolean,
): Promise<{ span: Span; context: Context } | undefined> {
  if (!tracingOn()) return undefined;
  const traceparent = job.trace?.parent ?? (await engine.resources.redis.hget(engine.resources.keys.run(job.runId), TRACE_FIELD));
  if (!traceparent) return undefined;
  const parent = contextOfTraceparent(traceparent);
  const links = linkTo(job.trace?.link);
  const waitedSince = job.trace?.waitedSince ?? start.waitedSince;
  if (start.resumed && waitedSince !== undefined) {
    const wait = job.trace?.wait ?? { kind: "timer" };
    const attributes: Attributes = { "helmr.run_id": job.runId, "helmr.wait.position": start.resumed.position };
    for (const key in wait) attributes[`helmr.wait.${key}`] = wait[key];
    tracer().startSpan(`helmr.wait ${wait.kind}`, { startTime: waitedSince, links, attributes }, parent).end();
  }
  const span = tracer().startSpan(
    `helmr.execute ${job.taskId}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        "helmr.run_id": job.runId,
        "helmr.task": job.taskId,
        "helmr.attempt": start.attempt,
        "helmr.resumed": start.resumed !== undefined,
        "helmr.warm": warm,
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(context.active(), span) };
}
