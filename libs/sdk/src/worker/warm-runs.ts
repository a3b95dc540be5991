import type { Execution } from "../executor/execution.ts";

/**
 * The parked executions a worker keeps in memory to continue them without replay
 * (executor/ARCHITECTURE.md, "Warm resume"): at most `maxRuns`, none for longer than
 * `maxAgeMs`, the least recently parked given up first. A parked execution holds no
 * concurrency slot, only its memory. One given up is abandoned: its run resumes by replay.
 */
export class WarmRuns {
  /** By run id, in the order they parked (a Map keeps insertion order). */
  private readonly parked = new Map<string, { execution: Execution; parkedAt: number }>();
  private stopped = false;

  constructor(
    readonly maxRuns: number,
    readonly maxAgeMs: number,
    /** Told the runs given up, so their resumes stop coming here (WarmWorkersSystem.dropRuns). */
    private readonly onGiveUp: (runIds: string[]) => void = () => {},
  ) {}

  /** Whether this worker keeps parked runs (not once it is stopping). */
  get enabled(): boolean {
    return this.maxRuns > 0 && this.maxAgeMs > 0 && !this.stopped;
  }

  get size(): number {
    return this.parked.size;
  }

  keep(execution: Execution, now = Date.now()): void {
    if (this.stopped) {
      execution.abandon();
      this.onGiveUp([execution.run.id]);
      return;
    }
    this.parked.delete(execution.run.id);
    this.parked.set(execution.run.id, { execution, parkedAt: now });
    const given: string[] = [];
    for (const [runId, held] of this.parked) {
      if (this.parked.size <= this.maxRuns) break;
      given.push(this.drop(runId, held.execution));
    }
    if (given.length) this.onGiveUp(given);
  }

  /** Takes the run's parked execution out, if this worker still keeps it. */
  take(runId: string, now = Date.now()): Execution | undefined {
    const held = this.parked.get(runId);
    if (!held) return undefined;
    this.parked.delete(runId);
    if (now - held.parkedAt > this.maxAgeMs) {
      held.execution.abandon();
      return undefined;
    }
    return held.execution;
  }

  /** Gives up executions parked for longer than the age limit. */
  sweep(now = Date.now()): void {
    const given: string[] = [];
    for (const [runId, held] of this.parked) {
      if (now - held.parkedAt <= this.maxAgeMs) break;
      given.push(this.drop(runId, held.execution));
    }
    if (given.length) this.onGiveUp(given);
  }

  /** Gives up every run kept, and keeps none from now on (the worker is stopping); returns their ids. */
  stop(): string[] {
    this.stopped = true;
    return [...this.parked].map(([runId, held]) => this.drop(runId, held.execution));
  }

  private drop(runId: string, execution: Execution): string {
    this.parked.delete(runId);
    execution.abandon();
    return runId;
  }
}
