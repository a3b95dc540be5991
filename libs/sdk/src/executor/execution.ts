import { ExecutionRefusedError, ScriptError, type HelmrEngine, type StoredWait } from "@helmr/broker";
import { ConcurrentWaitError, NonDeterminismError, RunCancelledError, WaitTimeoutError } from "../errors/index.ts";
import type { ExecutionOutcome } from "./contract.ts";
import { WaitResult, type WaitOutcome } from "./wait-result.ts";

/** One journaled durable operation, as stored at its position (see ARCHITECTURE.md). */
interface JournalEntry {
  /** Kind: "step" or "timer". */
  k: string;
  /** Name: a step's id. */
  n?: string;
  /** A step's value. */
  v?: unknown;
  /** A timer's due time, fixed when the timer was first reached. */
  dueAt?: number;
}

export interface RunIdentity {
  id: string;
  sessionId: string;
  taskId: string;
  attempt: number;
}

const RESOLVED: WaitOutcome<void> = { ok: true, output: undefined };

/** What durable operations give code that runs on after its execution ended: nothing, ever. */
const ABANDONED = new Promise<never>(() => {});

/**
 * One execution of a run: replays the journal, then runs live. Every durable operation
 * claims the next position synchronously, when it is called, so positions follow the
 * order of calls and replay meets them in the same order.
 */
export class Execution {
  readonly abort = new AbortController();
  /** Settles when something other than the task's own return ends the execution. */
  readonly interruption: Promise<ExecutionOutcome>;
  private settleInterruption!: (outcome: ExecutionOutcome) => void;
  private stopped = false;
  private position = 0;
  private pendingWait: string | null = null;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    readonly run: RunIdentity,
    readonly fence: string,
    private readonly journal: Map<string, string>,
    private readonly engine: HelmrEngine,
  ) {
    this.interruption = new Promise((resolve) => (this.settleInterruption = resolve));
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Ends the execution; the first outcome wins. Task code still running is abandoned. */
  stop(outcome: ExecutionOutcome): void {
    if (this.stopped) return;
    this.stopped = true;
    if (outcome.kind !== "completed" && outcome.kind !== "failed") this.abort.abort(new Error(`execution ended: ${outcome.kind}`));
    this.settleInterruption(outcome);
  }

  step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    if (this.stopped) return ABANDONED;
    const position = this.claim();
    const recorded = this.recorded(position);
    if (recorded) {
      this.expect(position, recorded.entry, { k: "step", n: name });
      return Promise.resolve(recorded.entry.v as T);
    }
    return this.track(this.liveStep(position, name, fn));
  }

  /** A timer wait. `dueAtIfNew` is only called the first time, so the due time is fixed then. */
  timer(dueAtIfNew: () => number): WaitResult<void> {
    if (this.stopped) return new WaitResult(ABANDONED);
    const position = this.beginWait("a timer wait");
    const recorded = this.recorded(position);
    let outcome: Promise<WaitOutcome<void>>;
    if (recorded) {
      this.expect(position, recorded.entry, { k: "timer" });
      const dueAt = recorded.entry.dueAt!;
      outcome = recorded.result ? Promise.resolve(recorded.result as WaitOutcome<void>) : this.park(position, recorded.entry, timerWait(position, dueAt), dueAt);
    } else {
      const dueAt = dueAtIfNew();
      const entry: JournalEntry = { k: "timer", dueAt };
      outcome = dueAt <= Date.now() ? this.resolveNow(position, entry) : this.park(position, entry, timerWait(position, dueAt), dueAt);
    }
    return new WaitResult(outcome.finally(() => (this.pendingWait = null)));
  }

  private async liveStep<T>(position: number, name: string, fn: () => Promise<T> | T): Promise<T> {
    const value = await fn();
    const text = JSON.stringify({ k: "step", n: name, ...(value === undefined ? {} : { v: value }) } satisfies JournalEntry);
    await this.write(() => this.engine.executions.journalWrite(this.run.id, this.fence, position, text));
    // Return what replay will return: the value as JSON gives it back.
    return (JSON.parse(text) as JournalEntry).v as T;
  }

  private async resolveNow(position: number, entry: JournalEntry): Promise<WaitOutcome<void>> {
    await this.write(() => this.engine.executions.journalWrite(this.run.id, this.fence, position, JSON.stringify(entry), JSON.stringify(RESOLVED)));
    return RESOLVED;
  }

  /** Gives the worker slot back: journals the wait and stops; this execution never continues. */
  private async park(position: number, entry: JournalEntry, wait: StoredWait, wakeAt: number | null): Promise<never> {
    // Steps still running (Promise.all with the wait) journal first, so nothing is lost.
    await Promise.allSettled([...this.inflight]);
    const wakeJobId = await this.write(() => this.engine.executions.park(this.run.id, this.fence, position, JSON.stringify(entry), wait, wakeAt));
    this.stop({ kind: "parked", wait, wakeJobId, wakeAt: wakeAt ?? 0 });
    return new Promise<never>(() => {});
  }

  private beginWait(label: string): number {
    if (this.pendingWait) {
      const error = new ConcurrentWaitError(this.pendingWait, label);
      this.stop({ kind: "failed", error });
      throw error;
    }
    this.pendingWait = label;
    return this.claim();
  }

  private claim(): number {
    return this.position++;
  }

  private recorded(position: number): { entry: JournalEntry; result?: WaitOutcome<unknown> } | undefined {
    const entry = this.journal.get(String(position));
    if (entry === undefined) return undefined;
    const result = this.journal.get(`r${position}`);
    return { entry: JSON.parse(entry) as JournalEntry, result: result === undefined ? undefined : toWaitOutcome(JSON.parse(result)) };
  }

  /** Replay must meet the operation it recorded; anything else fails the run, even if caught. */
  private expect(position: number, entry: JournalEntry, reached: JournalEntry): void {
    if (entry.k === reached.k && (reached.n === undefined || entry.n === reached.n)) return;
    const error = new NonDeterminismError(position, describe(entry), describe(reached));
    this.stop({ kind: "failed", error });
    throw error;
  }

  /** Runs a fenced write; a refusal or a lost Redis ends the execution whatever the task code does. */
  private async write<T>(operation: () => Promise<T>): Promise<T> {
    // An execution that has ended (a terminal error, say, while a park was on its way)
    // must not write: its outcome handler owns the run's next state. The code that asked
    // for the write is abandoned, so it waits forever rather than seeing an error.
    if (this.stopped) return ABANDONED;
    try {
      return await operation();
    } catch (error) {
      if (error instanceof ExecutionRefusedError) {
        this.stop({ kind: "refused", reason: error.code === ScriptError.Cancelled ? "cancelled" : "stale" });
      } else {
        this.stop({ kind: "crashed", error });
      }
      throw error;
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    const untrack = () => this.inflight.delete(promise);
    promise.then(untrack, untrack);
    return promise;
  }
}

function timerWait(position: number, dueAt: number): StoredWait {
  return { kind: "timer", pos: position, dueAt };
}

function describe(entry: JournalEntry): string {
  return entry.k === "step" ? `step "${entry.n}"` : `a ${entry.k} wait`;
}

/** A stored wait result back into an outcome, with the error class its name stands for. */
function toWaitOutcome(stored: { ok: boolean; output?: unknown; error?: { name: string; message: string } }): WaitOutcome<unknown> {
  if (stored.ok) return { ok: true, output: stored.output };
  const { name, message } = stored.error ?? { name: "Error", message: "the wait failed" };
  const error = name === "WaitTimeoutError" ? new WaitTimeoutError(message) : name === "RunCancelledError" ? new RunCancelledError(message) : Object.assign(new Error(message), { name });
  return { ok: false, error };
}
