import {
  ExecutionRefusedError,
  WarmWorkersSystem,
  executionBroker,
  runJobOptions,
  type ExecutionBroker,
  type ExecutionStart,
  type HelmrEngine,
} from "@helmr/broker";
import { HelmrError, RunBatchJob, RunJob, parseRunId } from "@helmr/core";
import { context } from "@opentelemetry/api";
import { DelayedError, type Job } from "bullmq";
import type { Logger } from "pino";
import type { ExecutionOutcome } from "../executor/contract.ts";
import { execute, untilInterrupted } from "../executor/execute.ts";
import { Execution } from "../executor/execution.ts";
import type { TaskDefinition } from "../task.ts";
import { handleOutcome } from "./outcome-handlers.ts";
import { startExecutionSpan } from "./execution-span.ts";
import type { WarmRuns } from "./warm-runs.ts";
import type { SlotGate } from "./slot-gate.ts";

/** How long a job for a task this worker does not host waits, when no worker that hosts it has a queue of its own, before another worker may take it. */
const FOREIGN_TASK_DELAY_MS = 1_000;

export interface ProcessorDeps {
  engine: HelmrEngine;
  tasks: Map<string, TaskDefinition>;
  logger: Logger;
  /** Executions in flight, so shutdown can hand them back. */
  active: Set<Execution>;
  /** Parked executions this worker keeps in memory, and the id their resumes are sent to. */
  warm: WarmRuns;
  workerId: string;
  /** Flow control: the slots a limited task's executions hold. */
  gate: SlotGate;
}

/** Handles one job of the runs queues: start (or resume) its run, or each run of a batch, execute, settle the outcome. */
export function createProcessor(deps: ProcessorDeps) {
  const { tasks, logger } = deps;
  const processRun = createRunProcessor(deps);
  const { racepoint } = deps.engine.resources.hooks;
  const ownQueue = WarmWorkersSystem.queueName(deps.workerId);
  const processJob = async (job: Job, token?: string): Promise<void> => {
    if (racepoint) await racepoint("worker.jobTaken", { jobId: job.id, warmWorker: job.queueName === ownQueue ? deps.workerId : "" });
    // Parsed by the schema its shape names: a failed parse (building its issues) costs more than the job's work.
    const parsed = isBatchJob(job.data) ? RunBatchJob.safeParse(job.data) : runJobOf(job.data, logger);
    if (!parsed.success) {
      logger.error({ jobId: job.id, issues: parsed.error.issues }, "dropping a runs-queue job with an invalid payload");
      return;
    }
    const batch = "batch" in parsed.data ? parsed.data : undefined;
    const single = "batch" in parsed.data ? undefined : parsed.data;
    const { taskId, version } = parsed.data;
    if (version && version !== deps.engine.resources.version) {
      // A job of another version's runs: only that version's workers may execute them.
      await handToVersion(deps.engine, job, version);
      return;
    }
    if (!tasks.has(taskId)) {
      // Another worker hosts this task: hand the job on to it. Without its claims: that
      // worker sees the job handed out again and must not take a claim as an execution lost.
      const versioned = version ? { version } : {};
      const data = single
        ? { runId: single.runId, taskId, ...versioned, ...(single.jobId ? { jobId: single.jobId } : {}), ...(single.flow ? { flow: single.flow } : {}) }
        : { taskId, ...versioned, batch: batch!.batch.map(({ runId, jobId, flow }) => ({ runId, jobId, ...(flow ? { flow } : {}) })) };
      // Straight to the own queue of a live worker that hosts the task, same job id (the
      // one its run's state names); if it is busy past the warm deadline, the rescue sends
      // the job back to the shared queue (WarmWorkersSystem).
      const host = await deps.engine.warm.hostQueue(taskId, version ?? "", deps.workerId);
      if (host) {
        await host.add(job.name, data, { ...runJobOptions(), jobId: job.id });
        return;
      }
      await job.updateData(data);
      await job.moveToDelayed(Date.now() + FOREIGN_TASK_DELAY_MS, token);
      throw new DelayedError();
    }
    // When the job came due: a timer's or a retry's job is added long before.
    const dueAt = job.timestamp + (job.opts.delay ?? 0);
    // A job a rescue moved after its worker died with it starts as BullMQ's own redelivery does.
    const attemptsStarted = parsed.data.redelivered ? job.attemptsStarted + 1 : job.attemptsStarted;
    const carried = { carrier: job.id!, warmHere: job.queueName === ownQueue };
    if (single) return processRun(single, single.jobId ?? job.id!, attemptsStarted, dueAt, carried);
    // The runs of a batch execute side by side; if one fails to, BullMQ retries the batch,
    // and the runs that got through find their job stale or their run finished.
    const settled = await Promise.allSettled(
      batch!.batch.map(({ runId, jobId, start, flow, trace }) =>
        processRun({ runId, taskId, ...(version ? { version } : {}), start, flow, ...(trace ? { trace } : {}) }, jobId, attemptsStarted, dueAt, carried),
      ),
    );
    const failed = settled.find((outcome) => outcome.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  };
  return async function processRunJob(job: Job, token?: string): Promise<void> {
    // With HELMR_REDIS_WAIT_REPLICAS, the job finishes only once the replicas hold what its
    // runs wrote: a failover that lost a write (a park, a completion) then finds the job
    // still there, and its retry carries the run on from what survived.
    const guard = deps.engine.dispatch.replicationGuard();
    await processJob(job, token);
    await guard.confirm();
  };
}

/** Where a run's job came from: the BullMQ job carrying it, and whether that came to this worker's own queue. */
interface Carried {
  carrier: string;
  warmHere: boolean;
}

/**
 * One run's job (`jobId`: the id its run's state names): of a limited task, only once its
 * execution holds a slot (flow control), which goes when the execution parks or ends.
 */
function createRunProcessor(deps: ProcessorDeps) {
  const { gate, workerId, logger } = deps;
  const processRun = createUngatedProcessor(deps);
  return async function processGatedRun(job: RunJob, jobId: string, attemptsStarted: number, dueAt: number, carried: Carried): Promise<void> {
    const { runId, taskId, version, flow, start } = job;
    const slot = await gate.enter({
      runId,
      jobId,
      taskId,
      version: version ?? "",
      flow,
      claimed: start !== undefined,
      carrier: carried.carrier,
      warmWorker: carried.warmHere ? workerId : "",
    });
    // In line for a slot: the slots dispatch its job again when its turn comes (systems/flow.ts).
    if (slot === "waiting" || slot === "duplicate") return;
    try {
      await processRun(job, jobId, attemptsStarted, dueAt);
    } finally {
      if (slot === "held")
        await gate.leave(runId, jobId).catch((error) => logger.warn({ err: error, runId }, "could not let a slot go; it goes when its lease runs out"));
    }
  };
}

/** One run's job: start or resume the run, execute it, settle the outcome. */
function createUngatedProcessor({ engine, tasks, logger, active, warm, workerId }: ProcessorDeps) {
  // What a run's code may ask of the broker, made once for every execution of this worker.
  const broker = executionBroker(engine);
  const { metrics } = engine.resources;
  /** `dueAt`: when the job came due (added, plus its delay), for the trigger-to-start and resume latencies. */
  return async function processRun(job: RunJob, jobId: string, attemptsStarted: number, dueAt: number): Promise<void> {
    const { runId, taskId, version, start: claim } = job;
    const task = tasks.get(taskId)!;
    // The run's parked execution, if this worker keeps it: continued from its wait below,
    // unless the start shows the run went on without it.
    const held = warm.take(runId);
    let start: Awaited<ReturnType<typeof engine.executions.start>>;
    const startedAt = Date.now();
    // A run with no version yet starts the usual way, which gives it this worker's.
    const fromClaim = claim !== undefined && attemptsStarted <= 1 && version !== undefined;
    const { racepoint } = engine.resources.hooks;
    try {
      if (racepoint && !claim) await racepoint("worker.beforeStart", { runId, jobId });
      // A due timeout of a wait on a token is settled by the token first (a completion may
      // have landed just in time); a run resumed that way makes this job stale.
      if (!claim) await engine.tokens.settleDueTimeout(runId);
      // A claimed job starts at once from what it carries, the first time BullMQ hands it
      // out; handed out again (its worker died, or its processing failed), it starts the
      // usual way, which fences out whatever execution the claim began.
      if (fromClaim) start = engine.executions.startFromClaim(claim);
      else {
        start = await engine.executions.start(runId, jobId, task.maxAttempts, claim !== undefined && attemptsStarted > 1, { heldFence: held?.fence });
        if (racepoint && start.status === "run") await racepoint("worker.started", { runId, jobId });
      }
    } catch (error) {
      held?.abandon();
      // A job whose run is gone (never created, or deleted) has nothing to execute; retrying cannot help.
      if (HelmrError.is(error) && error.kind === "not_found") {
        logger.warn({ jobId, runId }, "dropping a runs-queue job whose run does not exist");
        return;
      }
      throw error;
    }
    if (start.status === "stale") {
      // Not this run's wake-up: a parked execution kept here still waits for it.
      if (held) warm.keep(held);
      // A leftover job, or one whose successor was never added: make sure the run's expected job exists.
      if ((start.runStatus === "queued" || start.runStatus === "waiting") && start.expectedJob) {
        await engine.dispatch.ensureJob({ runId, taskId, ...(start.version ? { version: start.version } : {}) }, start.expectedJob, start.runAt);
      }
      return;
    }
    if (start.status === "otherVersion") {
      // The run runs on other code (a job from before it had a version, or misrouted): its version's workers take it.
      held?.abandon();
      await engine.dispatch.ensureJob({ runId, taskId, version: start.version }, jobId, 0);
      return;
    }
    if (start.status !== "run") {
      held?.abandon();
      return;
    }

    const continued = held?.continueWarm(start) ?? false;
    if (held && !continued) held.abandon();
    const execution = continued ? held! : await replayed(engine, broker, runId, taskId, start);
    if (warm.enabled) execution.warmWorker = workerId;
    execution.parent = start.parent;
    execution.schedule = start.schedule;
    // A run's first job is its trigger's; any later one a resume (an input, a token, a timer, a retry).
    // A job BullMQ hands out again (its worker died, its processing failed) measures that, not dispatch.
    // An input's resume counts from the input's arrival (its entry id's time), so a job the
    // outbox sweeper re-added late still shows the whole wait.
    if (attemptsStarted <= 1) {
      if (jobId === `${runId}-1`) metrics.triggerToStart.observe(Math.max(0, Date.now() - dueAt) / 1000);
      else metrics.resumeLatency.observe({ warm: continued ? "yes" : "no" }, Math.max(0, Date.now() - (inputArrivalMs(start.resumed?.result) ?? dueAt)) / 1000);
    }
    active.add(execution);
    metrics.concurrencyInUse.set(active.size);
    // A claimed execution shows running once its code has had a first turn, unless it
    // already wrote (a park, a step) or ended: those writes begin it themselves.
    if (fromClaim) {
      const { fence } = start;
      setImmediate(() => !execution.isStopped && !execution.hasWritten && engine.executions.beginClaimed(runId, fence, startedAt));
    }
    const traced = await startExecutionSpan(engine, job, start, continued);
    const run = () => (continued ? untilInterrupted(task, execution, start.activeMs) : execute(task, execution, execution.payload, start.activeMs));
    let outcome: ExecutionOutcome;
    try {
      // Traced, the run's code runs in its execution's span: its steps, output and children are the span's children.
      outcome = traced ? await context.with(traced.context, run) : await run();
      traced?.span.setAttribute("helmr.outcome", outcome.kind);
    } finally {
      active.delete(execution);
      metrics.concurrencyInUse.set(active.size);
      traced?.span.end();
    }
    // Kept before anything else is awaited: the run's resume may already be on its way here.
    if (outcome.kind === "parked" && outcome.warm) warm.keep(execution);
    metrics.warmRuns.set(warm.size);
    try {
      await handleOutcome({ engine, task, execution, logger }, outcome);
    } catch (error) {
      if (error instanceof ExecutionRefusedError) return;
      throw error;
    }
  };
}

/**
 * Sends a job to the runs queues of the version its runs run on, same id and data (the runs'
 * states name the id): they may wait there for a worker of that version to start.
 */
async function handToVersion(engine: HelmrEngine, job: Job, version: string): Promise<void> {
  const data = job.data as RunJob | RunBatchJob;
  const firstRunId = "batch" in data ? data.batch[0].runId : data.runId;
  await engine.resources.runsQueueOf(firstRunId, version).add(job.name, data, { ...runJobOptions(), jobId: job.id });
}

const isBatchJob = (data: unknown): boolean => typeof data === "object" && data !== null && "batch" in data;

/**
 * A run job whose claim this version cannot read (one queued by an older version, say)
 * still names its run: it starts the usual way, without the claim, which fences out
 * nothing since nothing started from that claim.
 */
function runJobOf(data: unknown, logger: Logger) {
  const parsed = RunJob.safeParse(data);
  if (parsed.success || typeof data !== "object" || data === null || !("start" in data)) return parsed;
  const { runId, taskId } = data as { runId?: unknown; taskId?: unknown };
  if (typeof runId !== "string" || typeof taskId !== "string") return parsed;
  logger.warn({ runId }, "a runs-queue job carries a claim this worker cannot read; the run starts without it");
  return RunJob.safeParse({ runId, taskId });
}

/** A new execution of the run that replays its journal: the history the start carried, or read now. */
async function replayed(engine: HelmrEngine, broker: ExecutionBroker, runId: string, taskId: string, start: ExecutionStart): Promise<Execution> {
  const history = await engine.executions.history(runId, start);
  const run = { id: runId, sessionId: parseRunId(runId).sessionId, taskId, attempt: start.attempt };
  return new Execution(run, start.fence, history.journal, broker, history.payload);
}

/**
 * When the input a resume carries arrived: the time part of its stream entry id, which a
 * resumed input's result names last (`…,"entry":"<ms>-<seq>"}`: broker history.ts
 * inputResult). Undefined for other resumes (tokens, timers, retries). Read from the end,
 * so a large input costs no scan.
 */
export function inputArrivalMs(result: string | undefined): number | undefined {
  if (result?.charCodeAt(result.length - 1) !== 125 /* } */) return undefined;
  const at = result.lastIndexOf(ENTRY_FIELD);
  if (at < 0) return undefined;
  // The field must be the result's last: an input whose data holds the same text is not it.
  const tail = /^(\d+)-\d+"\}$/.exec(result.slice(at + ENTRY_FIELD.length));
  return tail ? Number(tail[1]) : undefined;
}
const ENTRY_FIELD = '"entry":"';
