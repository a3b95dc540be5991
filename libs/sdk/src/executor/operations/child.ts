import { storedWait } from "@helmr/broker";
import { newRunId, type TriggerResult } from "@helmr/core";
import { abandoned, type Execution } from "../execution.ts";
import { toWaitOutcome, type JournalEntry } from "../journal.ts";
import { WaitResult, type WaitOutcome } from "../wait-result.ts";

export interface ChildOptions {
  /** The session the child runs in; by default the parent's, so it shares the conversation's streams. */
  sessionId?: string;
  idempotencyKey?: string;
}

/**
 * A child run triggered from a run's code, at one journal position: the child's id is
 * journaled before the child is created (a replay, even after a crash in between, creates
 * the same id, which triggers nothing twice), and with `wait` the same position is the
 * parent's wait on it, whose result is the child's outcome (broker systems/children.ts).
 */
export function triggerChild<T>(execution: Execution, taskId: string, payload: unknown, options: ChildOptions, wait: true): WaitResult<T>;
export function triggerChild(execution: Execution, taskId: string, payload: unknown, options: ChildOptions, wait: false): Promise<TriggerResult>;
export function triggerChild<T>(execution: Execution, taskId: string, payload: unknown, options: ChildOptions, wait: boolean): WaitResult<T> | Promise<TriggerResult> {
  const label = `a wait on a child run of task ${taskId}`;
  const op = execution.begin({ k: "child" }, wait ? label : undefined);
  if (!op) return wait ? new WaitResult<T>(abandoned()) : abandoned();
  const { position, recorded } = op;
  const childRunId = recorded ? (recorded.entry as Extract<JournalEntry, { k: "child" }>).n : newRunId(options.sessionId ?? execution.run.sessionId);
  const entry: JournalEntry = { k: "child", n: childRunId, ...(wait ? { w: 1 as const } : {}) };
  const sessionId = options.sessionId ?? execution.run.sessionId;
  const created = (async () => {
    if (!recorded) await execution.track(execution.journalAt(position, entry));
    const body = { payload, sessionId, ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}) };
    return execution.write(() => execution.engine.runs.trigger(taskId, body, Date.now(), { runId: childRunId, parent: wait ? `${execution.run.id}|${position}` : "" }));
  })();
  // A replay triggers again: a crash may have come between the journal and the trigger, and the same id creates nothing twice.
  if (!wait) return created;
  if (recorded?.result) return new WaitResult<T>(Promise.resolve(recorded.result as WaitOutcome<T>).finally(() => execution.endWait()));
  return new WaitResult<T>(
    created
      .then(() => live(execution, position, childRunId))
      .then((outcome) => outcome as WaitOutcome<T>)
      .finally(() => execution.endWait()),
  );
}

async function live(execution: Execution, position: number, childRunId: string): Promise<WaitOutcome<unknown>> {
  const { engine, run } = execution;
  const watched = await execution.write(() => engine.children.watch(childRunId));
  if (watched.status === "ended") {
    // Ended before the parent parked: the wait returns at once, as the resume would have.
    await execution.journalAt(position, { k: "child", n: childRunId, w: 1 }, watched.result);
    return toWaitOutcome(JSON.parse(watched.result));
  }
  const wait = storedWait.run(position, childRunId);
  return execution.park(async (warmWorker) => {
    const wakeJobId = await engine.executions.park(run.id, execution.fence, position, "", wait, null, warmWorker);
    // Ended between the watch and the park: its end found no parked parent.
    await engine.children.settleParentOf(childRunId);
    return { parked: wait, wakeJobId, wakeAt: 0 };
  });
}
