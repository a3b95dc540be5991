import type { InputReader } from "@helmr/broker";
import { storedWait, waitOutcome } from "@helmr/core";
import type { z } from "zod";
import { WaitTimeoutError } from "../../errors/index.ts";
import { abandoned, type Execution } from "../execution.ts";
import type { JournalEntry } from "../journal.ts";
import { WaitResult, type WaitOutcome } from "../wait-result.ts";
import { validateOutcome } from "./validate.ts";

export interface InputSpec<T> {
  stream: string;
  correlationId: string;
  schema?: z.ZodType<T>;
}

/** stream.wait: parks until an input on (stream, correlationId) arrives, or takes a buffered one. */
export function waitInput<T>(execution: Execution, spec: InputSpec<T>, timeoutMs: number | null): WaitResult<T> {
  const op = execution.begin({ kind: "input", stream: spec.stream, correlationId: spec.correlationId }, `a wait on input stream "${spec.stream}"`);
  if (!op) return new WaitResult(abandoned());
  const outcome = op.recorded?.result ? Promise.resolve(op.recorded.result) : parkOnInput(execution, op.position, Boolean(op.recorded), spec, timeoutMs);
  return new WaitResult(outcome.then((o) => validateFor(o, spec)).finally(() => execution.endWait()));
}

function parkOnInput<T>(
  execution: Execution,
  position: number,
  journaled: boolean,
  spec: InputSpec<T>,
  timeoutMs: number | null,
): Promise<WaitOutcome<unknown>> {
  const timeoutAt = timeoutMs === null ? undefined : Date.now() + timeoutMs;
  const wait = storedWait.input(position, spec.stream, spec.correlationId, timeoutAt);
  const entry: JournalEntry | null = journaled ? null : { ...streamEntry("input", spec), ...(timeoutAt ? { timeoutAt } : {}) };
  return execution.park(async (warmWorker) => {
    const result = await execution.broker.waitForInput(execution.run.id, execution.fence, position, entry, wait, true, wait.since, warmWorker);
    if (result.status === "consumed") return { resolved: { ok: true, output: JSON.parse(result.data) } };
    return { parked: wait, wakeJobId: result.status === "parked" ? result.timeoutJobId : "", wakeAt: timeoutAt ?? 0 };
  });
}

/** A stream operation's entry as journaled. */
function streamEntry<K extends "input" | "once" | "on">(kind: K, spec: InputSpec<unknown>): { kind: K; stream: string; correlationId: string } {
  return { kind, stream: spec.stream, correlationId: spec.correlationId };
}

/** stream.once: the next input while the run stays active (it does not park). */
export function onceInput<T>(execution: Execution, spec: InputSpec<T>, timeoutMs: number | null): WaitResult<T> {
  const entry = streamEntry("once", spec);
  const op = execution.begin(entry);
  if (!op) return new WaitResult(abandoned());
  if (op.recorded?.result) return new WaitResult(Promise.resolve(validateFor(op.recorded.result, spec)));
  const { position } = op;
  // Not tracked: a park must not wait for it. If the run parks first, its claim is refused
  // (the run is no longer running) and a replay reaches this once() again, live.
  const reader = execution.broker.inputReader(execution.run.sessionId, spec.stream);
  const release = execution.holdReader();
  const outcome = takeNext(execution, spec, String(position), entry, timeoutMs === null ? null : Date.now() + timeoutMs, reader);
  const done = () => {
    release();
    reader.close();
  };
  outcome.then(done, done);
  execution.abort.signal.addEventListener("abort", () => reader.close(), { once: true });
  return new WaitResult(outcome.then((o) => validateFor(o, spec)));
}

export interface Subscription {
  off(): void;
}

/**
 * stream.on: calls the handler for each input while the run stays active. The subscription
 * takes one position; the inputs it takes are journaled at sub-positions ("3.0", "3.1", ...),
 * so a replayed run hands the handler the same inputs again, in order, before live ones.
 * Handlers run outside the run's durable sequence: they must not call step.run or waits.
 */
export function onInput<T>(execution: Execution, spec: InputSpec<T>, handler: (data: T) => unknown): Subscription {
  const entry = streamEntry("on", spec);
  const op = execution.begin(entry);
  if (!op) return { off: () => {} };
  const { position, recorded } = op;
  let active = true;
  const deliver = (outcome: WaitOutcome<unknown>) => {
    const checked = validateFor(outcome, spec);
    return checked.ok ? handler(checked.output) : undefined;
  };
  // Replay: the inputs this subscription took before are handed over now, in order and at
  // once, so code after on() cannot outrun them (off() on replay must not cut them short).
  let taken = 0;
  for (let past = execution.recorded(`${position}.0`); past?.result; past = execution.recorded(`${position}.${++taken}`)) deliver(past.result);
  // A dry replay checks the code, not what comes next: the subscription stops at its journal.
  if (execution.dry) return { off: () => {} };
  const reader = execution.broker.inputReader(execution.run.sessionId, spec.stream);
  execution.abort.signal.addEventListener("abort", () => reader.close(), { once: true });
  const release = execution.holdReader();
  void (async () => {
    try {
      if (!recorded) await execution.journalAt(position, entry);
      while (active && !execution.isStopped) {
        const outcome = await takeNext(execution, spec, `${position}.${taken++}`, entry, null, reader, () => !active);
        if (!active || execution.isStopped) return;
        await deliver(outcome);
      }
    } catch (error) {
      if (!execution.isStopped) execution.stop({ kind: "failed", error });
    } finally {
      release();
      reader.close();
    }
  })();
  return {
    off: () => {
      active = false;
      release();
    },
  };
}

/** stream.peek: the buffered, unconsumed inputs, oldest first; journaled like a step. */
export async function peekInput<T>(execution: Execution, spec: InputSpec<T>, limit: number): Promise<T[]> {
  const op = execution.begin({ kind: "peek", stream: spec.stream, correlationId: spec.correlationId });
  if (!op) return abandoned();
  if (op.recorded) return (op.recorded.entry as Extract<JournalEntry, { kind: "peek" }>).values as T[];
  const values = await execution.broker.bufferedInputs(execution.run.sessionId, spec.stream, spec.correlationId, limit);
  await execution.journalAt(op.position, { kind: "peek", stream: spec.stream, correlationId: spec.correlationId, values });
  return values as T[];
}

/**
 * Takes the oldest buffered input of (stream, correlationId) at `position`, or waits for
 * new entries with XREAD BLOCK and tries again. Entries are read from before the first
 * attempt, so an input arriving in between is not missed.
 */
async function takeNext<T>(
  execution: Execution,
  spec: InputSpec<T>,
  position: string,
  entry: JournalEntry,
  deadline: number | null,
  reader: InputReader,
  cancelled = () => false,
): Promise<WaitOutcome<unknown>> {
  const { broker, run } = execution;
  const wait = storedWait.input(Number.parseInt(position, 10), spec.stream, spec.correlationId);
  {
    let lastSeen = await broker.lastInputId(run.sessionId, spec.stream);
    for (;;) {
      const taken = await execution.write(() => execution.broker.waitForInput(execution.run.id, execution.fence, position, entry, wait, false));
      if (taken.status === "consumed") return { ok: true, output: JSON.parse(taken.data) };
      for (;;) {
        if (execution.isStopped || cancelled()) return abandoned();
        const left = deadline === null ? 1000 : Math.min(1000, deadline - Date.now());
        if (left <= 0) {
          const message = `no input on stream "${spec.stream}" in time`;
          await execution.journalAt(position, entry, waitOutcome.timedOut(message));
          return { ok: false, error: new WaitTimeoutError(message) };
        }
        let arrived: Awaited<ReturnType<InputReader["next"]>>;
        try {
          arrived = await reader.next(lastSeen, Math.max(1, Math.round(left)));
        } catch (error) {
          // The reader is closed when the execution ends: that read is simply abandoned.
          if (execution.isStopped || cancelled()) return abandoned();
          throw error;
        }
        if (!arrived) continue;
        lastSeen = arrived.lastId;
        if (arrived.correlationIds.includes(spec.correlationId)) break;
      }
    }
  }
}

const validateFor = <T>(outcome: WaitOutcome<unknown>, spec: InputSpec<T>) => validateOutcome(outcome, spec.schema, `input stream "${spec.stream}"`);
