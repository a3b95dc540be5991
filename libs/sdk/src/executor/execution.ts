import { ExecutionRefusedError, ScriptError, type ExecutionBroker, type ExecutionStart } from "@helmr/broker";
import type { StoredWait } from "@helmr/core";
import { ConcurrentWaitError, NonDeterminismError } from "../errors/index.ts";
import type { ExecutionOutcome } from "./contract.ts";
import { decodeEntry, describeOperation, sameOperation, toWaitOutcome, type JournalEntry, type Operation, type OperationKind } from "./journal.ts";
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

/** The operations that journal a result beside their entry: until it is there, replay goes live at them. */
const ENDS_WITH_RESULT = new Set<OperationKind>(["timer", "input", "once", "tokenWait", "child", "batch", "first"]);

/**
 * One execution of a run: the replay core that every durable operation
 * (operations/*.ts) is built from. Positions are claimed synchronously, when an operation
 * is called, so they follow the order of calls and replay meets them in the same order.
 */
export class Execution {
  /** Made when first asked for (ctx.signal, a live reader): most executions never need one, and every resume makes an execution. */
  private abortController?: AbortController;
  private abandoned = false;
  /** Settles when something other than the task's own return ends the execution (re-armed by a warm continuation). */
  interruption!: Promise<ExecutionOutcome>;
  /** The task's own end, once `execute` started it; a warm continuation races it again. */
  taskRun?: Promise<ExecutionOutcome>;
  /**
   * The worker that keeps this execution in memory when it parks ("" when it is not kept):
   * a resume goes to that worker, which continues the execution from the wait without a
   * replay (ARCHITECTURE.md, "Warm resume").
   */
  warmWorker = "";
  /** The run that triggered this one from its code ("<run id>|<position>"), told when this run ends. */
  parent?: string;
  /** The schedule fire that started the run (JSON of a ScheduleContext, RunStart.schedule): ctx.schedule. */
  schedule?: string;
  /**
   * A dry replay (dry-replay.ts): the code meets its journal and goes no further. Where it
   * would go live (an operation the journal does not hold, a wait without its result, any
   * write) the execution stops as `replayed`, and nothing is written.
   */
  dry = false;
  private settleInterruption!: (outcome: ExecutionOutcome) => void;
  private stopped = false;
  private wrote = false;
  private position = 0;
  private pendingWait: string | null = null;
  private readonly inflight = new Set<Promise<unknown>>();
  /** Operations that must not be left running across a park kept warm (a live on()/once() reader). */
  private readers = 0;
  /** While parked warm: the wait, and how to hand it its result when the run continues here. */
  private parkedWarm?: { position: number; fence: string; resolve: (outcome: WaitOutcome<unknown>) => void };

  constructor(
    readonly run: RunIdentity,
    private currentFence: string,
    private readonly journal: Map<string, string>,
    /** All the execution may ask of the broker (executionBroker). */
    readonly broker: ExecutionBroker,
    /** What the task's run function is called with. */
    readonly payload: unknown = null,
  ) {
    this.arm();
  }

  /** Aborted when the execution is abandoned (ctx.signal). */
  get abort(): AbortController {
    if (!this.abortController) {
      this.abortController = new AbortController();
      if (this.abandoned) this.abortController.abort(new Error("execution ended"));
    }
    return this.abortController;
  }

  /** The fence this execution's writes carry: the one it started with, or the one its warm continuation was claimed with. */
  get fence(): string {
    return this.currentFence;
  }

  private arm(): void {
    this.interruption = new Promise((resolve) => (this.settleInterruption = resolve));
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Whether a fenced write has been sent (each one begins a claimed execution, guardExecution). */
  get hasWritten(): boolean {
    return this.wrote;
  }

  /**
   * Ends the execution; the first outcome wins. Task code still running is abandoned,
   * except for a park kept warm: that code waits for `continueWarm`, or for `abandon`.
   */
  stop(outcome: ExecutionOutcome): void {
    if (this.stopped) return;
    this.stopped = true;
    const keptWarm = outcome.kind === "parked" && this.parkedWarm;
    if (outcome.kind !== "completed" && outcome.kind !== "failed" && outcome.kind !== "continued" && !keptWarm) this.abandon();
    this.settleInterruption(outcome);
  }

  /** Gives up a parked execution kept warm (evicted, or resumed elsewhere): its code is garbage. */
  abandon(): void {
    this.parkedWarm = undefined;
    this.abandoned = true;
    if (this.abortController && !this.abortController.signal.aborted) this.abortController.abort(new Error("execution ended"));
  }

  /**
   * Continues a parked execution kept warm from its wait, in memory: no journal read, no
   * replay, and code between durable operations does not run again. Only the start that
   * resolved this very wait and claimed the fence right after the one the execution parked
   * with may continue it: a run that anything else took meanwhile (another execution, a
   * replay elsewhere) must be replayed instead. Returns whether it continued.
   */
  continueWarm(start: ExecutionStart): boolean {
    const parked = this.parkedWarm;
    if (!parked || !start.resumed || start.resumed.position !== parked.position || BigInt(start.fence) !== BigInt(parked.fence) + 1n) return false;
    this.parkedWarm = undefined;
    this.currentFence = start.fence;
    this.stopped = false;
    this.wrote = false;
    this.arm();
    parked.resolve(toWaitOutcome(JSON.parse(start.resumed.result)));
    return true;
  }

  /** A live on()/once() reader is running until the returned function is called: a park then cannot be kept warm. */
  holdReader(): () => void {
    this.readers++;
    let released = false;
    return () => {
      if (!released) this.readers--;
      released = true;
    };
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
    if (this.dry && (!recorded || (recorded.result === undefined && ENDS_WITH_RESULT.has(recorded.entry.kind)))) {
      this.stop({ kind: "replayed", claimed: this.position });
      return null;
    }
    return { position, recorded };
  }

  /** How many positions the code has claimed so far (a dry replay met the journal when it claimed all of them). */
  get claimed(): number {
    return this.position;
  }

  /** What the journal holds at the next position, without claiming it (versions.patched looks before it takes one). */
  peekNext(): Recorded | undefined {
    return this.recorded(this.position);
  }

  /** Journals an operation at a position (with a wait's result when it resolved on the spot), fenced. */
  journalAt(position: number | string, entry: JournalEntry, result?: string): Promise<void> {
    return this.write(() => this.broker.writeJournal(this.run.id, this.fence, position, entry, result));
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
    return { entry: decodeEntry(entry), result: result === undefined ? undefined : toWaitOutcome(JSON.parse(result)) };
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
    if (this.dry) {
      this.stop({ kind: "replayed", claimed: this.position });
      return abandoned();
    }
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

  /** Waits for the operations still running (steps started beside a wait or a continueAsNew). */
  async settleInflight(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  /**
   * Gives the worker slot back: settles in-flight operations, runs the script that parks
   * (it may instead resolve the wait at once, returning an outcome), and stops. The script
   * is told which worker keeps the execution warm ("" for none), so the run's resume is
   * sent there; the wait then settles when the run continues here (`continueWarm`).
   */
  async park<T>(
    parkScript: (warmWorker: string) => Promise<{ parked: StoredWait; wakeJobId: string; wakeAt: number } | { resolved: WaitOutcome<T> }>,
  ): Promise<WaitOutcome<T>> {
    await this.settleInflight();
    const warmWorker = this.readers === 0 ? this.warmWorker : "";
    const result = await this.write(() => parkScript(warmWorker));
    if ("resolved" in result) return result.resolved;
    const parked = { kind: "parked", wait: result.parked, wakeJobId: result.wakeJobId, wakeAt: result.wakeAt, warm: warmWorker !== "" } as const;
    if (!warmWorker) {
      this.stop(parked);
      return abandoned();
    }
    const resumed = new Promise<WaitOutcome<T>>((resolve) => {
      this.parkedWarm = { position: result.parked.position, fence: this.fence, resolve: resolve as (outcome: WaitOutcome<unknown>) => void };
    });
    this.stop(parked);
    return resumed;
  }
}
