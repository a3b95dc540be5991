import { z } from "zod";
import {
  DelayInput,
  DurationInput,
  FlowOptions,
  HelmrError,
  WAIT_ERRORS,
  type Duration,
  newRunId,
  storedWait,
  waitOutcome,
  type TriggerBody,
  type TriggerResult,
} from "@helmr/core";
import { abandoned, type Execution } from "../execution.ts";
import { toWaitOutcome, type JournalEntry } from "../journal.ts";
import { WaitResult, type WaitOutcome } from "../wait-result.ts";

export interface ChildOptions {
  /** The session the child runs in; by default the parent's, so it shares the conversation's streams. */
  sessionId?: string;
  idempotencyKey?: string;
  /** Flow control: the key its task's per-key limits count it under. */
  concurrencyKey?: string;
  /** 0 (the default) to 100: lower starts first among runs waiting for a worker or a slot. */
  priority?: number;
  /** Start the child this much later, or at this time: it is `delayed` until then (the parent, waiting on it, stays parked). */
  delay?: Duration | Date;
  /** A child not started this long after it was due expires and never runs: the wait on it fails with a ChildRunFailedError. */
  ttl?: Duration;
}

const ChildFlow = z.strictObject({ ...FlowOptions, delay: DelayInput.optional(), ttl: DurationInput.optional() });

/** A child's trigger body: its payload and session, and the options given. */
export function childBody(payload: unknown, sessionId: string, options: ChildOptions): TriggerBody {
  const { idempotencyKey, concurrencyKey, priority, ttl } = options;
  const delay = options.delay instanceof Date ? options.delay.toISOString() : options.delay;
  const flow = ChildFlow.safeParse({ concurrencyKey, priority, delay, ttl });
  if (!flow.success) throw new TypeError(`a child run's ${flow.error.issues[0]?.path.join(".")} ${flow.error.issues[0]?.message}`);
  return {
    payload,
    sessionId,
    ...(idempotencyKey ? { idempotencyKey } : {}),
    ...(concurrencyKey !== undefined ? { concurrencyKey } : {}),
    ...(priority !== undefined ? { priority } : {}),
    ...(delay !== undefined ? { delay } : {}),
    ...(ttl !== undefined ? { ttl } : {}),
  };
}

/**
 * A child run triggered from a run's code, at one journal position: the child's id is
 * journaled before the child is created (a replay, even after a crash in between, creates
 * the same id, which triggers nothing twice), and with `wait` the same position is the
 * parent's wait on it, whose result is the child's outcome (broker systems/children.ts).
 */
export function triggerChild<T>(execution: Execution, taskId: string, payload: unknown, options: ChildOptions, wait: true): WaitResult<T>;
export function triggerChild(execution: Execution, taskId: string, payload: unknown, options: ChildOptions, wait: false): Promise<TriggerResult>;
export function triggerChild<T>(
  execution: Execution,
  taskId: string,
  payload: unknown,
  options: ChildOptions,
  wait: boolean,
): WaitResult<T> | Promise<TriggerResult> {
  const label = `a wait on a child run of task ${taskId}`;
  const op = execution.begin({ kind: "child" }, wait ? label : undefined);
  if (!op) return wait ? new WaitResult<T>(abandoned()) : abandoned();
  const { position, recorded } = op;
  // Done before: a waited child's outcome, or the trigger's result (journaled once the child existed).
  if (recorded?.result) {
    if (!wait) return Promise.resolve((recorded.result as { ok: true; output: TriggerResult }).output);
    return new WaitResult<T>(Promise.resolve(recorded.result as WaitOutcome<T>).finally(() => execution.endWait()));
  }
  const childRunId = recorded
    ? (recorded.entry as Extract<JournalEntry, { kind: "child" }>).childRunId
    : newRunId(options.sessionId ?? execution.run.sessionId);
  const entry: JournalEntry = { kind: "child", childRunId, ...(wait ? { waited: true as const } : {}) };
  const sessionId = options.sessionId ?? execution.run.sessionId;
  const parent = wait ? `${execution.run.id}|${position}` : "";
  // A replay that finds the entry without a result triggers again: a crash may have come
  // between the journal and the trigger, and the same id creates nothing twice.
  const created = (async () => {
    if (!recorded) await execution.track(execution.journalAt(position, entry));
    const body = childBody(payload, sessionId, options);
    return execution.write(() => triggerOrRefusal(execution, taskId, body, childRunId, parent));
  })();
  if (!wait) {
    return created.then(async (triggered) => {
      if ("refused" in triggered) throw triggered.refused;
      await execution.write(() => execution.broker.writeJournal(execution.run.id, execution.fence, position, null, waitOutcome.ok(triggered)));
      return triggered;
    });
  }
  return new WaitResult<T>(
    created
      .then((triggered) =>
        "refused" in triggered ? refusedWait(execution, position, childRunId, triggered.refused) : live(execution, position, triggered.runId),
      )
      .then((outcome) => outcome as WaitOutcome<T>)
      .finally(() => execution.endWait()),
  );
}

/**
 * Triggers the child. Its idempotencyKey may name an existing run, which becomes the child
 * (its id is then not the journaled one); one another run waits for already is refused,
 * and the refusal is the wait's outcome rather than a crash.
 */
async function triggerOrRefusal(
  execution: Execution,
  taskId: string,
  body: TriggerBody,
  childRunId: string,
  parent: string,
): Promise<TriggerResult | { refused: HelmrError }> {
  try {
    return await execution.broker.trigger(taskId, body, Date.now(), { runId: childRunId, parent });
  } catch (error) {
    if (HelmrError.is(error) && error.code === "run_has_parent") return { refused: error };
    throw error;
  }
}

async function refusedWait(execution: Execution, position: number, childRunId: string, refused: HelmrError): Promise<WaitOutcome<unknown>> {
  const result = waitOutcome.failed({
    name: WAIT_ERRORS.childFailed,
    message: refused.message,
    runId: childRunId,
    cause: { name: "HelmrError", message: refused.message },
  });
  await execution.write(() => execution.broker.writeJournal(execution.run.id, execution.fence, position, null, result));
  return toWaitOutcome(JSON.parse(result));
}

async function live(execution: Execution, position: number, childRunId: string): Promise<WaitOutcome<unknown>> {
  const { broker, run } = execution;
  const watched = await execution.write(() => broker.watchChild(childRunId));
  if (watched.status === "ended") {
    // Ended before the parent parked: the wait returns at once, as the resume would have.
    await execution.journalAt(position, { kind: "child", childRunId, waited: true }, watched.result);
    return toWaitOutcome(JSON.parse(watched.result));
  }
  const wait = storedWait.run(position, childRunId);
  return execution.park(async (warmWorker) => {
    const wakeJobId = await broker.park(run.id, execution.fence, position, null, wait, null, warmWorker);
    // Ended between the watch and the park: its end found no parked parent.
    await broker.deliverParentNoticeOf(childRunId);
    return { parked: wait, wakeJobId, wakeAt: 0 };
  });
}
