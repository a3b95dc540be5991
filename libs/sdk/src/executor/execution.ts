import { ExecutionRefusedError, ScriptError, type HelmrEngine, type StoredWait } from "@helmr/broker";
import { ConcurrentWaitError, NonDeterminismError } from "../errors/index.ts";
import type { ExecutionOutcome } from "./contract.ts";
import { describeOperation, sameOperation, toWaitOutcome, type JournalEntry, type Operation } from "./journal.ts";
import type { WaitOutcome } from "./wait-result.ts";

/** What the journal holds at a position: the operation's entry, and a wait's result once it has one. */
export interface Recorded {
  entry: JournalEntry;
  result?: WaitOutcome<unknown>;
}

export interface RunIdentity {
  id: string;
  sessionId: string;
  taskId: string;
  attempt: number;
}

/**
 * What durable operations give code that runs on after its execution ended: nothing, ever.
 * A fresh promise each time, referenced by nobody: the abandoned code awaiting it is then
 * garbage. One shared never-settling promise would keep every parked run's code alive
 * through its reactions, for the life of the worker.
 */
export const abandoned = (): Promise<never> => new Promise<never>(() => {});

/**
 * One execution of a run: the replay core that every durable operation
 * (operations/*.ts) is built from. Positions are claimed synchronously, when an operation
 * is called, so they follow the order of calls and replay meets them in the same order.
 */
export class Execution {
  readonly abort = new AbortController();
  /** Settles when something other than the task's own return ends the execution. */
  readonly interruption: Promise<ExecutionOutcome>;
  private settleInterruption!: (outcome: ExecutionOutcome) => void;
  private stopped = false;
  private wrote = false;
  private position = 0;
  private pendingWait: string | null = null;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    readonly run: RunIdentity,
    readonly fence: string,
    private readonly journal: Map<string, string>,
    readonly engine: HelmrEngine,
  ) {
    this.interruption = new Promise((resolve) => (this.settleInterruption = resolve));
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Whether a fenced write has been sent (each one begins a claimed execution, guardExecution). */
  get hasWritten(): boolean {
    return this.wrote;
  }

  /** Ends the execution; the first outcome wins. Task code still running is abandoned. */
  stop(outcome: ExecutionOutcome): void {
    if (this.stopped) return;
    this.stopped = true;
    if (outcome.kind !== "completed" && outcome.kind !== "failed") this.abort.abort(new Error(`execution ended: ${outcome.kind}`));
    this.settleInterruption(outcome);
  }

  /**
   * The replay bookkeeping every durable operation shares: claims the operation's position
   * (as the one pending blocking wait when `waitLabel` names one) and, on replay, checks
   * that the journal recorded the same operation there (anything else fails the run). The
   * operation then states only what is its own: what a recorded entry gives back, and what
   * it does live. Null once the execution has ended: the operation must not run.
   */
  begin(operation: Operation, waitLabel?: string): { position: number; recorded?: Recorded } | null {
    if (this.stopped) return null;
    const position = waitLabel === undefined ? this.claim() : this.beginWait(waitLabel);
    const recorded = this.recorded(position);
    if (recorded) this.expect(position, recorded.entry, operation);
    return { position, recorded };
  }

  /** Journals an operation at a position (with a wait's result when it resolved on the spot), fenced. */
  journalAt(position: number | string, entry: JournalEntry, result?: string): Promise<void> {
    return this.write(() => this.engine.executions.writeJournal(this.run.id, this.fence, position, JSON.stringify(entry), result));
  }

  /** The next position. */
  private claim(): number {
    return this.position++;
  }

  /** Claims the position of a blocking wait; a second one while another is pending fails the run. */
  private beginWait(label: string): number {
    if (this.pendingWait) {
      const error = new ConcurrentWaitError(this.pendingWait, label);
      this.stop({ kind: "failed", error });
      throw error;
    }
    this.pendingWait = label;
    return this.claim();
  }

  endWait(): void {
    this.pendingWait = null;
  }

  /** What the journal holds at a position (a number, or an `on()` sub-position like "3.1"). */
  recorded(position: number | string): Recorded | undefined {
    const entry = this.journal.get(String(position));
    if (entry === undefined) return undefined;
    const result = this.journal.get(`r${position}`);
    return { entry: JSON.parse(entry) as JournalEntry, result: result === undefined ? undefined : toWaitOutcome(JSON.parse(result)) };
  }

  /** Replay must meet the operation it recorded; anything else fails the run, even if caught. */
  private expect(position: number, recorded: JournalEntry, reached: Operation): void {
    if (sameOperation(recorded, reached)) return;
    const error = new NonDeterminismError(position, describeOperation(recorded), describeOperation(reached));
    this.stop({ kind: "failed", error });
    throw error;
  }

  /** Runs a fenced write; a refusal or a lost Redis ends the execution whatever the task code does. */
  async write<T>(operation: () => Promise<T>): Promise<T> {
    // An execution that has ended (a terminal error, say, while a park was on its way)
    // must not write: its outcome handler owns the run's next state. The code that asked
    // for the write is abandoned, so it waits forever rather than seeing an error.
    if (this.stopped) return abandoned();
    this.wrote = true;
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

  /** Lets parking wait for operations still running (Promise.all with a wait), so nothing is lost. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    const untrack = () => this.inflight.delete(promise);
    promise.then(untrack, untrack);
    return promise;
  }

  /**
   * Gives the worker slot back: settles in-flight operations, runs the script that parks
   * (it may instead resolve the wait at once, returning an outcome), and stops.
   */
  async park<T>(parkScript: () => Promise<{ parked: StoredWait; wakeJobId: string; wakeAt: number } | { resolved: WaitOutcome<T> }>): Promise<WaitOutcome<T>> {
    await Promise.allSettled([...this.inflight]);
    const result = await this.write(parkScript);
    if ("resolved" in result) return result.resolved;
    this.stop({ kind: "parked", wait: result.parked, wakeJobId: result.wakeJobId, wakeAt: result.wakeAt });
    return abandoned();
  }
}
