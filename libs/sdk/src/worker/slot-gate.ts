import type { HelmrEngine, SlotOutcome } from "@helmr/broker";
import type { RunFlow } from "@helmr/core";
import type { Logger } from "pino";

/** How often a worker renews its slots' leases and sweeps the slots (expired leases, due timers). */
const SWEEP_EVERY_MS = 1_000;

/** A job about to run, as the gate sees it. */
export interface GateEntry {
  runId: string;
  jobId: string;
  /** The BullMQ job carrying it. */
  carrier: string;
  taskId: string;
  version: string;
  /** Its flow, when the job carried it; read from the run otherwise. */
  flow: RunFlow | undefined;
  /** The job carried a claim, which carries the flow when the run has one: none means none. */
  claimed: boolean;
  /** This worker's id when the job came to its own queue (the run is warm here). */
  warmWorker: string;
}

/**
 * A worker's side of flow control (broker systems/flow.ts): before a job of a limited task
 * runs, its execution takes a slot (or its run waits in line and the job ends); once the
 * execution parks or ends, the slot goes. Renews the leases of the slots its executions
 * hold, so a worker that dies gives them back after one lease (its lock duration), and
 * sweeps the slots every second and when a rate's window opens.
 */
export class SlotGate {
  /** Run id to the job its execution holds a slot for. */
  private readonly held = new Map<string, string>();
  private interval: NodeJS.Timeout | undefined;
  private timer: { at: number; handle: NodeJS.Timeout } | undefined;
  private stopped = false;

  constructor(
    private readonly engine: HelmrEngine,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  /** `held` or `free`: run the job; `waiting` or `duplicate`: do not (its run is in line, or another job runs it). */
  async enter(entry: GateEntry): Promise<SlotOutcome> {
    const { flow: flowSystem } = this.engine;
    if (!(await flowSystem.isLimited(entry.taskId))) return "free";
    const { runId, jobId, carrier, taskId, version, warmWorker, claimed } = entry;
    const flow = entry.flow ?? (claimed ? {} : await flowSystem.flowOfRun(runId));
    const { outcome, nextTimerAt } = await flowSystem.acquire({
      runId,
      jobId,
      carrier,
      taskId,
      version,
      warmWorker,
      flow,
      resume: !isFirstStart(runId, jobId),
      leaseMs: this.leaseMs,
    });
    if (outcome === "held") this.held.set(runId, jobId);
    this.sweepAt(nextTimerAt);
    return outcome;
  }

  /** The execution that held a slot parked or ended: the slot goes to the next in line. */
  async leave(runId: string, jobId: string): Promise<void> {
    if (this.held.get(runId) === jobId) this.held.delete(runId);
    this.sweepAt((await this.engine.flow.release(runId, jobId)).nextTimerAt);
  }

  start(): void {
    this.interval = setInterval(() => void this.tick(), SWEEP_EVERY_MS);
    this.interval.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.interval);
    if (this.timer) clearTimeout(this.timer.handle);
  }

  private async tick(): Promise<void> {
    try {
      await this.engine.flow.renew(this.held, this.leaseMs);
      await this.sweep();
    } catch (error) {
      this.logger.debug({ err: error }, "could not renew or sweep the slots; the next second tries again");
    }
  }

  private async sweep(): Promise<void> {
    this.sweepAt((await this.engine.flow.sweep()).nextTimerAt);
  }

  /** Sweeps when the slots' next timer comes due (a rate's window opening), if sooner than the one set. */
  private sweepAt(at: number | null): void {
    if (at === null || this.stopped || (this.timer && this.timer.at <= at)) return;
    if (this.timer) clearTimeout(this.timer.handle);
    const handle = setTimeout(
      () => {
        this.timer = undefined;
        this.sweep().catch((error) => this.logger.debug({ err: error }, "could not sweep the slots; the next second tries again"));
      },
      Math.max(0, at - Date.now()),
    );
    handle.unref();
    this.timer = { at, handle };
  }
}

/** A run's first job: `<run id>-1`, or `<run id>-1.d<n>` once a delay or a debounce moved it (lua/delayStart-1.lua). */
function isFirstStart(runId: string, jobId: string): boolean {
  const first = `${runId}-1`;
  return jobId === first || jobId.startsWith(`${first}.`);
}
