import { z } from "zod";

/**
 * What a claimed job carries (lua/includes/claimStart.lua): everything its worker needs to
 * start the run at once, without a startExecution round trip. `history.payload` is JSON
 * text; `history.journal` is the run's journal chunks (lua/includes/history.lua).
 */
export const RunStart = z.strictObject({
  fence: z.string().min(1),
  attempt: z.number().int().min(1),
  activeMs: z.number().min(0),
  /** The run's payload (JSON text) and journal chunks, when they are small and no worker holds the run warm. */
  history: z.strictObject({ payload: z.string(), journal: z.array(z.string()) }).optional(),
  /** The wait this job resumes: its journal position and its result (JSON) as the resumed code sees it. */
  resumed: z.strictObject({ position: z.number().int().min(0), result: z.string() }).optional(),
  /** The run that triggered this one from its code, "<run id>|<position>": its worker tells it when the run ends. */
  parent: z.string().optional(),
  /** The schedule fire that started the run (JSON of a ScheduleContext): its code's ctx.schedule. */
  schedule: z.string().optional(),
});
export type RunStart = z.infer<typeof RunStart>;

/**
 * What flow control needs of a run (a trigger's `concurrencyKey` and `priority`), carried by
 * its jobs so a worker does not read the run for them (broker systems/flow.ts).
 */
export const RunFlow = z.strictObject({
  key: z.string().optional(),
  priority: z.number().int().min(0).optional(),
});
export type RunFlow = z.infer<typeof RunFlow>;

/** What a job carries for its execution's spans, when its dispatcher traced (RunJob's `trace`). */
export const RunTrace = z.strictObject({
  parent: z.string().optional(),
  link: z.string().optional(),
  waitedSince: z.number().optional(),
  wait: z.record(z.string(), z.string()).optional(),
});
export type RunTrace = z.infer<typeof RunTrace>;

/** The payload of every BullMQ job on the runs queue: "execute (or resume) this run". */
export const RunJob = z.strictObject({
  runId: z.string().min(1),
  taskId: z.string().min(1),
  start: RunStart.optional(),
  /**
   * The run's job this BullMQ job carries when its own id is another: a slot granted to a run
   * that waited for one (broker systems/flow.ts) is carried by `<job id>.g<grant>`.
   */
  jobId: z.string().min(1).optional(),
  /** The run's concurrencyKey and priority, when the dispatch knew them (absent: the worker reads them if it needs them). */
  flow: RunFlow.optional(),
  /** The version of the task code the run runs on, whose queue the job is on; absent for a run that has none yet (any worker takes it). */
  version: z.string().optional(),
  /**
   * A worker took this job and died before finishing it, and a rescue moved it to another
   * queue as a new BullMQ job (broker warm-workers.ts): it starts as a redelivered job does
   * (startExecution, which fences out what the claim began), never from its claim again.
   */
  redelivered: z.literal(true).optional(),
  /**
   * Tracing (broker tracing.ts), when the dispatcher traced: `parent`, the run's traceparent
   * (a first job carries it, so its worker need not read the run); `link`, the request that
   * resumed it; `waitedSince` and `wait` (kind, stream, correlationId, token, child run), the
   * wait it resumes, for the span of its parked interval.
   */
  trace: RunTrace.optional(),
});
export type RunJob = z.infer<typeof RunJob>;

/**
 * Several runs' jobs due at once, added as one BullMQ job (broker systems/dispatch.ts): each
 * entry is the run job it stands for, with the id that job would have had, which its
 * run's state names (startExecution compares it). One task per batch, so a worker that
 * does not host it hands the whole batch on.
 */
export const RunBatchJob = z.strictObject({
  taskId: z.string().min(1),
  /** As RunJob's: one version per batch, as one task. */
  version: z.string().optional(),
  batch: z
    .array(
      z.strictObject({ runId: z.string().min(1), jobId: z.string().min(1), start: RunStart.optional(), flow: RunFlow.optional(), trace: RunTrace.optional() }),
    )
    .min(1),
  /** As RunJob's: the whole batch was taken by a worker that died. */
  redelivered: z.literal(true).optional(),
});
export type RunBatchJob = z.infer<typeof RunBatchJob>;
