import { childWaitResult, type HelmrEngine } from "@helmr/broker";
import type { Logger } from "pino";
import { NonDeterminismError, isTerminalError, serializeError } from "../errors/index.ts";
import type { OutcomeHandlers } from "../executor/contract.ts";
import type { Execution } from "../executor/execution.ts";
import type { TaskDefinition } from "../task.ts";
import { MaxDurationExceededError } from "../errors/MaxDurationExceededError.ts";

/**
 * What happens after an execution ends, one handler per outcome. Writes here are fenced
 * like the execution's own: a refusal means another execution owns the run, and is ignored.
 */
export function outcomeHandlers(engine: HelmrEngine, task: TaskDefinition, execution: Execution, logger: Logger): OutcomeHandlers {
  const { id: runId, taskId } = execution.run;
  const { fence, parent } = execution;
  const { metrics } = engine.resources;
  // A child run's end resumes the parent waiting on it (broker systems/children.ts).
  const tellParent = () => (parent ? engine.children.notifyParent(runId) : Promise.resolve());
  const fail = async (error: unknown, retryable: boolean) => {
    const attempt = execution.run.attempt;
    const outcome = await engine.executions.fail(
      runId,
      fence,
      JSON.stringify(serializeError(error)),
      { retryable, maxAttempts: task.maxAttempts, delayMs: task.retryDelayMs(attempt) },
      parent,
    );
    if (outcome.status === "failed") await tellParent();
    if (outcome.status === "retry") await engine.dispatch.ensureJob({ runId, taskId }, outcome.jobId, outcome.runAt);
    if (outcome.status === "retry") metrics.runRetries.inc({ task: taskId });
    else metrics.runsFinished.inc({ task: taskId, status: "failed" });
    if (error instanceof NonDeterminismError) metrics.nonDeterminism.inc({ task: taskId });
    logger.info({ runId, attempt, retry: outcome.status === "retry", err: error }, "run attempt failed");
  };

  return {
    completed: async ({ output }) => {
      let text: string;
      try {
        text = JSON.stringify(output ?? null);
      } catch (error) {
        return fail(new Error(`the task's return value is not JSON-serializable: ${(error as Error).message}`), false);
      }
      await engine.executions.complete(runId, fence, text, parent);
      if (parent) await engine.children.notifyParent(runId, { parent, result: childWaitResult(runId, "completed", text, null)! });
      metrics.runsFinished.inc({ task: taskId, status: "completed" });
    },
    continued: async ({ payload }) => {
      let text: string;
      try {
        text = JSON.stringify(payload ?? null);
      } catch (error) {
        return fail(new Error(`ctx.continueAsNew(): the payload is not JSON-serializable: ${(error as Error).message}`), false);
      }
      const next = await engine.runs.continueAsNew(runId, fence, text);
      metrics.runsFinished.inc({ task: taskId, status: "continued" });
      logger.debug({ runId, continuedAs: next }, "run continued as a new run");
    },
    failed: ({ error }) => fail(error, !isTerminalError(error)),
    timedOut: ({ maxDurationMs }) => fail(new MaxDurationExceededError(maxDurationMs), false),
    parked: async ({ wakeJobId, wakeAt, warm }) => {
      // The wake-up of a run kept warm goes to this worker's own queue, like its other resumes.
      if (wakeJobId) await engine.dispatch.ensureJob({ runId, taskId }, wakeJobId, wakeAt, warm ? execution.warmWorker : "");
    },
    released: ({ jobId }) => engine.dispatch.ensureJob({ runId, taskId }, jobId, 0),
    refused: async ({ reason }) => {
      logger.debug({ runId, reason }, "execution refused by Redis; it stops here");
      // A cancel requested while it ran ended it at this write (guardExecution).
      if (reason === "cancelled") await tellParent();
    },
    crashed: async ({ error }) => {
      // Let BullMQ retry this job: its retry finds the run's state and carries on from it.
      throw error;
    },
  };
}
