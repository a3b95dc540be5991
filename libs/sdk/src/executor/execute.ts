import type { ScheduleContext } from "@helmr/core";
import type { ScheduleFire, TaskContext, TaskDefinition } from "../task.ts";
import type { ExecutionOutcome } from "./contract.ts";
import { executionStorage } from "./context.ts";
import { abandoned, type Execution } from "./execution.ts";

/**
 * Calls the task's run function inside the execution and waits for whichever comes
 * first: the function's own end, an interruption (park, refusal, failure the task
 * cannot catch, release), or the end of its maxDuration budget.
 */
export function execute(task: TaskDefinition, execution: Execution, payload: unknown, activeMsBefore: number): Promise<ExecutionOutcome> {
  const ctx: TaskContext = {
    session: { id: execution.run.sessionId },
    run: { id: execution.run.id, taskId: execution.run.taskId, attempt: execution.run.attempt },
    get signal() {
      return execution.abort.signal;
    },
    get schedule() {
      return scheduleOf(execution.schedule);
    },
    continueAsNew: (next) => {
      // Settled ones first (as a park does), then the execution ends with the new payload.
      void execution.settleInflight().then(() => execution.stop({ kind: "continued", payload: next }));
      return abandoned();
    },
  };
  execution.taskRun = executionStorage.run(execution, async (): Promise<ExecutionOutcome> => {
    try {
      return { kind: "completed", output: await task.run(payload, ctx) };
    } catch (error) {
      return { kind: "failed", error };
    }
  });
  return untilInterrupted(task, execution, activeMsBefore);
}

/** A run's schedule fire (RunStart.schedule) as its code sees it, with times as Dates. */
function scheduleOf(json: string | undefined): ScheduleFire | undefined {
  if (!json) return undefined;
  const fire = JSON.parse(json) as ScheduleContext;
  return { ...fire, scheduledAt: new Date(fire.scheduledAt), lastScheduledAt: fire.lastScheduledAt ? new Date(fire.lastScheduledAt) : null };
}

/**
 * Waits for the execution's next outcome: the first run of it, or a warm continuation of
 * a parked one (Execution.continueWarm), whose task code is still the same call.
 */
export async function untilInterrupted(task: TaskDefinition, execution: Execution, activeMsBefore: number): Promise<ExecutionOutcome> {
  const racers: Promise<ExecutionOutcome>[] = [execution.taskRun!, execution.interruption];
  let budget: NodeJS.Timeout | undefined;
  if (task.maxDurationMs !== null) {
    const maxDurationMs = task.maxDurationMs;
    racers.push(new Promise((resolve) => (budget = setTimeout(resolve, Math.max(0, maxDurationMs - activeMsBefore), { kind: "timedOut", maxDurationMs }))));
  }
  try {
    const outcome = await Promise.race(racers);
    execution.stop(outcome);
    return outcome;
  } finally {
    clearTimeout(budget);
  }
}
