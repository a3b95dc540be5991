import type { HelmrEngine } from "@helmr/broker";
import { waitOutcome } from "@helmr/core";
import type { Logger } from "pino";
import { NonDeterminismError, isTerminalError, serializeError } from "../errors/index.ts";
import type { OutcomeHandlers } from "../executor/contract.ts";
import type { Execution } from "../executor/execution.ts";
import type { TaskDefinition } from "../task.ts";
import { MaxDurationExceededError } from "../errors/MaxDurationExceededError.ts";

/** What an outcome's handler works on: the execution that ended, its task, and the worker's engine. */
export interface OutcomeContext {
  engine: HelmrEngine;
  task: TaskDefinition;
  execution: Execution;
  logger: Logger;
}

type Handlers = { [K in keyof OutcomeHandlers]: (c: OutcomeContext, outcome: Parameters<OutcomeHandlers[K]>[0]) => Promise<void> };

/**
 * What happens after an execution ends, one handler per outcome. Writes here are fenced
 * like the execution's own: a refusal means another execution owns the run, and is ignored.
 * The handlers are made once, not per execution: every resume ends in one of them.
 */
export function handleOutcome(c: OutcomeContext, outcome: Parameters<OutcomeHandlers[keyof OutcomeHandlers]>[0]): Promise<void> {
  return (HANDLERS[outcome.kind] as (c: OutcomeContext, o: typeof outcome) => Promise<void>)(c, outcome);
}

/** A child run's end resumes the parent waiting on it (broker systems/children.ts). */
/** The next job of the run an execution ran: on this worker's version, the one the run runs on (startExecution checked it). */
const nextJob = ({ engine, execution }: OutcomeContext) => ({ runId: execution.run.id, taskId: execution.run.taskId, version: engine.resources.version });

const deliverParentNotice = ({ engine, execution }: OutcomeContext): Promise<void> =>
  execution.parent ? engine.children.sendParentNotice(execution.run.id) : Promise.resolve();

async function fail(c: OutcomeContext, error: unknown, retryable: boolean): Promise<void> {
  const { engine, task, execution, logger } = c;
  const { id: runId, taskId, attempt } = execution.run;
  const { metrics } = engine.resources;
  const outcome = await engine.executions.fail(
    runId,
    execution.fence,
    JSON.stringify(serializeError(error)),
    { retryable, maxAttempts: task.maxAttempts, delayMs: task.retryDelayMs(attempt) },
    execution.parent,
  );
  if (outcome.status === "failed") await deliverParentNotice(c);
  if (outcome.status === "retry") await engine.dispatch.ensureJob(nextJob(c), outcome.jobId, outcome.runAt);
  if (outcome.status === "retry") metrics.runRetries.inc({ task: taskId });
  else metrics.runsFinished.inc({ task: taskId, status: "failed" });
  if (error instanceof NonDeterminismError) metrics.nonDeterminism.inc({ task: taskId });
  logger.info({ runId, attempt, retry: outcome.status === "retry", err: error }, "run attempt failed");
}

const HANDLERS: Handlers = {
  async completed(c, { output }) {
    const { engine, execution } = c;
    const { id: runId, taskId } = execution.run;
    let text: string;
    try {
      text = JSON.stringify(output ?? null);
    } catch (error) {
      return fail(c, new Error(`the task's return value is not JSON-serializable: ${(error as Error).message}`), false);
    }
    const { parent } = execution;
    await engine.executions.complete(runId, execution.fence, text, parent);
    if (parent) await engine.children.sendParentNotice(runId, { parent, result: waitOutcome.ofChild(runId, "completed", text, null)! });
    engine.resources.metrics.runsFinished.inc({ task: taskId, status: "completed" });
  },
  async continued(c, { payload }) {
    const { engine, execution, logger } = c;
    const { id: runId, taskId } = execution.run;
    let text: string;
    try {
      text = JSON.stringify(payload ?? null);
    } catch (error) {
      return fail(c, new Error(`ctx.continueAsNew(): the payload is not JSON-serializable: ${(error as Error).message}`), false);
    }
    const next = await engine.runs.continueAsNew(runId, execution.fence, text);
    engine.resources.metrics.runsFinished.inc({ task: taskId, status: "continued" });
    logger.debug({ runId, continuedAs: next }, "run continued as a new run");
  },
  failed: (c, { error }) => fail(c, error, !isTerminalError(error)),
  timedOut: (c, { maxDurationMs }) => fail(c, new MaxDurationExceededError(maxDurationMs), false),
  async parked(c, { wakeJobId, wakeAt, warm }) {
    // The wake-up of a run kept warm goes to this worker's own queue, like its other resumes.
    if (wakeJobId) await c.engine.dispatch.ensureJob(nextJob(c), wakeJobId, wakeAt, warm ? c.execution.warmWorker : "");
  },
  released: (c, { jobId }) => c.engine.dispatch.ensureJob(nextJob(c), jobId, 0),
  async refused(c, { reason }) {
    c.logger.debug({ runId: c.execution.run.id, reason }, "execution refused by Redis; it stops here");
    // A cancel requested while it ran ended it at this write (guardExecution).
    if (reason === "cancelled") await deliverParentNotice(c);
  },
  async crashed(_c, { error }) {
    // Let BullMQ retry this job: its retry finds the run's state and carries on from it.
    throw error;
  },
  async replayed() {
    // Only a dry replay ends so (dry-replay.ts), and it is never a job's execution.
    throw new Error("a dry replay's outcome reached a job's outcome handlers");
  },
};
