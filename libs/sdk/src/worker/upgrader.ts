import { CENSUS_EXAMPLES, forEachAtMost, type HelmrEngine, type RunPin, type VersionCensus, type WaitingPosition } from "@helmr/broker";
import { parseRunId, type RunBatchJob, type RunJob } from "@helmr/core";
import type { Logger } from "pino";
import { dryReplay } from "../executor/dry-replay.ts";
import type { TaskDefinition } from "../task.ts";

/** How often the upgrader looks for runs to move. */
const TICK_MS = 1_000;
/** After a walk of every parked run, the next waits as long as it took, within these bounds: walking costs at most half the rate. */
const REST_MS = { min: 1_000, max: 60_000 };
/** Runs checked at once. */
const CHECKS_AT_ONCE = 8;
/** How long the walk's lock lasts without renewal (it is renewed every tick). */
const LOCK_MS = 5 * TICK_MS;

export interface UpgraderOptions {
  engine: HelmrEngine;
  tasks: Map<string, TaskDefinition>;
  /** This worker's version: the runs of older versions it hosts move to it when its code meets their journals. */
  version: string;
  workerId: string;
  logger: Logger;
  /** Runs checked per second at most (0: none). */
  ratePerSecond: number;
}

/**
 * Moves runs of older versions to this worker's code, when the code meets their journals
 * operation for operation (a dry replay: dry-replay.ts), so a deploy does not leave every
 * parked run on the old code. "Older": a version whose first worker started before this
 * one's. Two sources, within one budget of checks per second:
 * - the runs of older versions that resumed while no worker of their version is alive
 *   (their jobs wait on that version's runs queues): checked first, as they come;
 * - every parked run, walked in the background through the waiting index (one worker of a
 *   version at a time holds the walk, a slice a tick), so a million parked runs do not
 *   stall a deploy.
 * A run that does not replay cleanly stays on its version and records why (the first
 * operation that differs), and is not checked against the same code again until it moves
 * on. A task declared `versioning: "pinned"` is never moved.
 */
export class Upgrader {
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private cursor?: WaitingPosition;
  /** What the walk under way has counted (VersionsSystem.describe shows the last complete one). */
  private census?: VersionCensus;
  private idleUntil = 0;
  private stopped = false;

  constructor(private readonly options: UpgraderOptions) {}

  start(): void {
    if (this.options.ratePerSecond <= 0) return;
    this.timer = setInterval(() => {
      this.ticking ??= this.tick()
        .catch((error) => this.options.logger.warn({ err: error }, "upgrading runs of older versions failed; trying again"))
        .finally(() => (this.ticking = undefined));
    }, TICK_MS);
    this.timer.unref();
  }

  /** Stops after the checks under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
  }

  private async tick(): Promise<void> {
    const older = await this.olderVersions();
    if (older.size === 0) return;
    await this.options.engine.resources.hooks.racepoint?.("upgrader.tick", {});
    let budget = this.options.ratePerSecond;
    budget -= await this.checkStranded(older, budget);
    if (budget > 0 && Date.now() >= this.idleUntil && (await this.holdWalk())) await this.walkParked(older, budget);
  }

  /** The versions whose first worker started before this one's. */
  private async olderVersions(): Promise<Set<string>> {
    const known = await this.options.engine.versions.list();
    const mine = known.find((each) => each.version === this.options.version);
    if (!mine) return new Set();
    return new Set(known.filter((each) => each.firstStartedAt < mine.firstStartedAt).map((each) => each.version));
  }

  /** Checks the runs whose jobs wait on the queues of older versions no live worker serves; returns how many it checked. */
  private async checkStranded(older: Set<string>, budget: number): Promise<number> {
    const { engine } = this.options;
    const served = new Set((await engine.warm.liveWorkers()).map((worker) => worker.version));
    const runIds: string[] = [];
    for (const version of older) {
      if (served.has(version)) continue;
      for (const queue of engine.resources.runsQueuesOf(version)) {
        if (runIds.length >= budget) break;
        const jobs = await queue.getJobs(["waiting", "prioritized"], 0, budget - runIds.length - 1);
        for (const job of jobs) if (job) runIds.push(...runsOf(job.data as RunJob | RunBatchJob));
      }
    }
    await forEachAtMost(CHECKS_AT_ONCE, runIds.slice(0, budget), (runId) => this.check(runId, older));
    return Math.min(runIds.length, budget);
  }

  /** The walk of parked runs is one worker's at a time: takes or renews its lock. */
  private async holdWalk(): Promise<boolean> {
    const { redis, keys } = this.options.engine.resources;
    const key = keys.upgradeSweepLock(this.options.version);
    if ((await redis.set(key, this.options.workerId, "PX", LOCK_MS, "NX")) === "OK") return true;
    if ((await redis.get(key)) !== this.options.workerId) return false;
    await redis.pexpire(key, LOCK_MS);
    return true;
  }

  /**
   * The next slice of the parked runs, from where the walk stopped, counted per version as
   * it goes; at the end the count is recorded, and the walk rests before the next one.
   */
  private async walkParked(older: Set<string>, budget: number): Promise<void> {
    if (!this.cursor || !this.census) this.census = { startedAt: Date.now(), at: 0, versions: {} };
    const census = this.census;
    const slice: string[] = [];
    const entries = this.options.engine.resources.waiting.entries(this.cursor);
    for await (const batch of entries) {
      for (const entry of batch) {
        slice.push(entry.runId);
        this.cursor = entry;
        if (slice.length >= budget) break;
      }
      if (slice.length >= budget) break;
    }
    const ended = slice.length < budget;
    await forEachAtMost(CHECKS_AT_ONCE, slice, (runId) => this.check(runId, older, census));
    if (!ended) return;
    this.cursor = undefined;
    this.census = undefined;
    const took = Date.now() - census.startedAt;
    this.idleUntil = Date.now() + Math.min(REST_MS.max, Math.max(REST_MS.min, took));
    await this.options.engine.versions.recordCensus({ ...census, at: Date.now() });
    const retired = await this.options.engine.versions.retireDrained();
    if (retired.length) this.options.logger.info({ versions: retired }, "versions with no run left and no worker retired: their queues are gone");
  }

  /** Checks one run against this worker's code, and moves it or records why not; a parked run is counted in `census`. */
  private async check(runId: string, older: Set<string>, census?: VersionCensus): Promise<void> {
    if (this.stopped) return;
    const { engine, version } = this.options;
    const [status, from, taskId, fence, attempt, pinJson] = await engine.resources.redis.hmget(
      engine.resources.keys.run(runId),
      "status",
      "ver",
      "task",
      "fence",
      "attempt",
      "pin",
    );
    if (status !== "waiting" && status !== "queued") return;
    let pin = pinJson ? (JSON.parse(pinJson) as RunPin) : null;
    let on = from ?? "";
    if (from && older.has(from) && taskId && fence !== null && !(pin && pin.to === version && pin.fence === fence)) {
      const outcome = await this.replayOn(runId, from, taskId, fence, Number(attempt ?? 1));
      if (outcome === "upgraded") [on, pin] = [version, null];
      else if (outcome) pin = outcome;
    }
    if (census && status === "waiting") tally(census, runId, on, pin);
  }

  /** Dry-replays a run of an older version on this code: moves it ("upgraded"), or records and returns why not; null when its task is not to be moved. */
  private async replayOn(runId: string, from: string, taskId: string, fence: string, attempt: number): Promise<"upgraded" | RunPin | null> {
    const { engine, tasks, version, logger } = this.options;
    const task = tasks.get(taskId);
    if (!task || task.versioning === "pinned") return null;
    await engine.resources.hooks.racepoint?.("upgrader.check", { runId });
    const history = await engine.executions.historyNow(runId);
    const replay = await dryReplay(task, { id: runId, sessionId: parseRunId(runId).sessionId, taskId, attempt }, history.payload, history.journal);
    if (replay.clean) {
      if (!(await engine.versions.upgradeRun(runId, from, version, fence))) return null;
      logger.debug({ runId, from, to: version }, "run moved to a newer version");
      return "upgraded";
    }
    const { position, recorded, reached } = replay;
    const pin: RunPin = { to: version, fence, position, recorded, reached, at: Date.now() };
    await engine.versions.pinRun(runId, from, pin);
    logger.info({ runId, from, version, position, recorded, reached }, "run stays on its version: the newer code does not meet its journal");
    return pin;
  }
}

/** Counts a parked run under its version, and why it stays there if a newer version's code did not meet it. */
function tally(census: VersionCensus, runId: string, version: string, pin: RunPin | null): void {
  const counted = (census.versions[version] ??= { waiting: 0, notUpgraded: 0, examples: [] });
  counted.waiting++;
  if (!pin) return;
  counted.notUpgraded++;
  if (counted.examples.length < CENSUS_EXAMPLES)
    counted.examples.push({ runId, version: pin.to, position: pin.position, recorded: pin.recorded, reached: pin.reached });
}

const runsOf = (data: RunJob | RunBatchJob): string[] => ("batch" in data ? data.batch.map((entry) => entry.runId) : [data.runId]);
