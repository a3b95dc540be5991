import { MAX_BATCH_SIZE } from "@helmr/broker";
import { newRunId, parseRunId, storedWait, waitOutcome, type TriggerResult } from "@helmr/core";
import { abandoned, type Execution } from "../execution.ts";
import { toWaitOutcome, type JournalEntry } from "../journal.ts";
import type { WaitOutcome } from "../wait-result.ts";
import { childBody, type ChildOptions } from "./child.ts";

/** One run of a batch: its payload, and where it runs (by default the parent's session). */
export interface BatchItem<Payload> extends ChildOptions {
  payload: Payload;
}

/** How one child of a batch ended, at its item's index: `{ ok, output | error }` and the child's id. */
export type BatchRunResult<Output> = WaitOutcome<Output> & { runId: string };

type BatchEntry = Extract<JournalEntry, { kind: "batch" }>;

/**
 * A batch of child runs triggered from a run's code, at one journal position: every
 * child's id is journaled before any child is created (a replay, even after a crash half
 * way through, creates the same ids, which triggers each child once), and with `wait` the
 * same position is the parent's one wait on all of them, whose result is every child's
 * outcome in order (broker systems/children.ts counts their ends).
 */
export function triggerBatch<Output>(execution: Execution, taskId: string, items: BatchItem<unknown>[], wait: true): Promise<BatchRunResult<Output>[]>;
export function triggerBatch(execution: Execution, taskId: string, items: BatchItem<unknown>[], wait: false): Promise<TriggerResult[]>;
export function triggerBatch<Output>(
  execution: Execution,
  taskId: string,
  items: BatchItem<unknown>[],
  wait: boolean,
): Promise<BatchRunResult<Output>[] | TriggerResult[]> {
  checkItems(taskId, items);
  const op = execution.begin({ kind: "batch" }, wait ? `a wait on a batch of ${items.length} runs of task ${taskId}` : undefined);
  if (!op) return abandoned();
  const { position, recorded } = op;
  // Done before: the waited batch's outcomes, or the triggers' results (journaled once every child existed).
  if (recorded?.result) {
    const done = Promise.resolve(recorded.result);
    const ids = (recorded.entry as BatchEntry).childRunIds;
    return wait
      ? done.then((settled) => perChild<Output>(settled, ids)).finally(() => execution.endWait())
      : done.then((settled) => unpackTriggered((settled as { ok: true; output: PackedTrigger[] }).output, ids));
  }
  const sessionOf = (item: BatchItem<unknown>) => item.sessionId ?? execution.run.sessionId;
  const runIds = recorded ? (recorded.entry as BatchEntry).childRunIds : items.map((item) => newRunId(sessionOf(item)));
  const entry: BatchEntry = { kind: "batch", childRunIds: runIds, ...(wait ? { waited: true as const } : {}) };
  const created = (async () => {
    if (!recorded)
      await execution.track(
        wait
          ? execution.write(() => execution.broker.journalBatch(execution.run.id, execution.fence, position, entry, runIds.length))
          : execution.journalAt(position, entry),
      );
    const bodies = items.map((item) => childBody(item.payload, sessionOf(item), item));
    // A replay triggers again: a crash may have come between the journal and the last trigger, and the same ids create nothing twice.
    return execution.write(() => execution.broker.triggerBatch(taskId, bodies, Date.now(), { runIds, parent: wait ? `${execution.run.id}|${position}` : "" }));
  })();
  if (!wait) {
    return created.then(async (triggered) => {
      await execution.write(() =>
        execution.broker.writeJournal(execution.run.id, execution.fence, position, null, waitOutcome.ok(packTriggered(triggered, runIds))),
      );
      return triggered;
    });
  }
  return created
    .then(() => park(execution, position, runIds.length))
    .then((settled) => perChild<Output>(settled, runIds))
    .finally(() => execution.endWait());
}

/**
 * A batch trigger's results as journaled: 0 for a child created with the id journaled for
 * it (nearly all), else [its run id, 1 when it existed before]: a few bytes a child, not a
 * whole result each.
 */
type PackedTrigger = 0 | [string, 0 | 1];

const packTriggered = (triggered: TriggerResult[], runIds: string[]): PackedTrigger[] =>
  triggered.map((t, i) => (t.runId === runIds[i] && !t.deduplicated ? 0 : [t.runId, t.deduplicated ? 1 : 0]));

const unpackTriggered = (packed: PackedTrigger[], runIds: string[]): TriggerResult[] =>
  packed.map((p, i) => {
    const runId = p === 0 ? runIds[i] : p[0];
    return { sessionId: parseRunId(runId).sessionId, runId, deduplicated: p !== 0 && p[1] === 1 };
  });

function checkItems(taskId: string, items: BatchItem<unknown>[]): void {
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH_SIZE) {
    throw new RangeError(`${taskId}.batchTrigger(): a batch holds 1 to ${MAX_BATCH_SIZE} items, not ${Array.isArray(items) ? items.length : typeof items}`);
  }
  items.forEach((item, i) => {
    if (typeof item !== "object" || item === null || !("payload" in item))
      throw new TypeError(`${taskId}.batchTrigger(): items[${i}] needs a payload ({ payload, sessionId?, idempotencyKey? })`);
  });
}

function park(execution: Execution, position: number, count: number): Promise<WaitOutcome<unknown>> {
  const { broker, run } = execution;
  const wait = storedWait.batch(position, count);
  return execution.park(async (warmWorker) => {
    const wakeJobId = await broker.park(run.id, execution.fence, position, null, wait, null, warmWorker);
    // The last child may have ended before the park: its end found no parked parent.
    await broker.settleBatch(run.id, position);
    return { parked: wait, wakeJobId, wakeAt: 0 };
  });
}

/** The batch wait's result (every child's stored outcome, in order) as each child's outcome with its id. */
function perChild<Output>(settled: WaitOutcome<unknown>, runIds: string[]): BatchRunResult<Output>[] {
  // A batch wait ends only with its children's outcomes; anything else (the run was cancelled) is the wait's own failure.
  if (!settled.ok) throw settled.error;
  // Each names its child: one an idempotencyKey named is not the id journaled for it.
  const stored = settled.output as (Parameters<typeof toWaitOutcome>[0] & { runId?: string })[];
  return stored.map((one, i) => ({ ...(toWaitOutcome(one) as WaitOutcome<Output>), runId: one.runId ?? runIds[i] }));
}
