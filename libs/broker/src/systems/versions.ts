import { notFound, type VersionList } from "@helmr/core";
import type { Queue } from "bullmq";
import { callScript } from "../lua/index.ts";
import { addIntents, dropIntents } from "../outbox.ts";
import { batch, execOrThrow } from "../pipelines.ts";
import type { Resources } from "../resources.ts";
import type { DispatchSystem } from "./dispatch.ts";
import type { WarmWorkersSystem } from "./warm-workers.ts";

/** How long a process trusts its answer to "which version is current" (as the live view of workers). */
const CURRENT_VIEW_MS = 1_000;

/** A version of task code, as the registry of versions knows it. */
export interface KnownVersion {
  version: string;
  /** When a worker of it first started, and last started (ms). */
  firstStartedAt: number;
  lastStartedAt: number;
}

/**
 * Versions of task code (libs/sdk/src/worker/version.ts names them). Every worker runs one,
 * and a run runs on the version it started on: a trigger from outside starts on the current
 * version, a child on its parent's, and only workers of a run's version execute it (its
 * jobs go to that version's runs queues: dispatch.ts). The current version is the most
 * recent of the versions live workers started with, each at its start, and the one an
 * operator promoted, at its promotion: a deploy makes its version current by starting, a
 * promotion (a rollback, say) holds until a worker of some version starts after it. With
 * no live worker, it is the version last started; before any, there is none ("": such a
 * run takes the version of the first worker that starts it).
 */
export class VersionsSystem {
  private cached?: { version: string; at: number };

  constructor(
    private readonly resources: Resources,
    private readonly warm: WarmWorkersSystem,
    private readonly dispatch: DispatchSystem,
  ) {}

  /** Records that a worker of `version` started (createWorker). */
  async started(version: string, now = Date.now()): Promise<void> {
    const { redis, keys } = this.resources;
    const known = await this.known(version);
    const firstStartedAt = known?.firstStartedAt ?? now;
    await redis.hset(keys.versions(), version, JSON.stringify({ firstStartedAt, lastStartedAt: now }));
    this.cached = undefined;
  }

  /** The versions as operators see them (GET /versions): which is current, which have live workers. */
  async describe(): Promise<VersionList> {
    const [known, live, promoted, current] = await Promise.all([this.list(), this.warm.liveWorkers(), this.promoted(), this.current()]);
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      current: current || null,
      data: known.map(({ version, firstStartedAt, lastStartedAt }) => ({
        version,
        current: version === current,
        liveWorkers: live.filter((worker) => worker.version === version).length,
        firstStartedAt: iso(firstStartedAt),
        lastStartedAt: iso(lastStartedAt),
        promotedAt: promoted?.version === version ? iso(promoted.at) : null,
      })),
    };
  }

  /** The versions workers have started, oldest first. */
  async list(): Promise<KnownVersion[]> {
    const entries = await this.resources.redis.hgetall(this.resources.keys.versions());
    return Object.entries(entries)
      .map(([version, json]) => ({ version, ...(JSON.parse(json) as Omit<KnownVersion, "version">) }))
      .sort((a, b) => a.firstStartedAt - b.firstStartedAt || (a.version < b.version ? -1 : 1));
  }

  private async known(version: string): Promise<KnownVersion | null> {
    const json = await this.resources.redis.hget(this.resources.keys.versions(), version);
    return json ? { version, ...(JSON.parse(json) as Omit<KnownVersion, "version">) } : null;
  }

  /** Makes a version that workers have started current (`helmr version promote`); 404 for one never started. */
  async promote(version: string, now = Date.now()): Promise<void> {
    if (!(await this.known(version))) throw notFound("version", version, "no worker has started with it (`helmr version list` shows the versions there are)");
    await this.resources.redis.set(this.resources.keys.promotedVersion(), JSON.stringify({ version, at: now }));
    this.cached = undefined;
  }

  /** The version an operator promoted last, and when; null when none was. */
  async promoted(): Promise<{ version: string; at: number } | null> {
    const json = await this.resources.redis.get(this.resources.keys.promotedVersion());
    return json ? (JSON.parse(json) as { version: string; at: number }) : null;
  }

  /** The version a trigger from outside starts on, as of at most a second ago ("" when no worker ever started). */
  async current(): Promise<string> {
    if (this.cached && Date.now() - this.cached.at < CURRENT_VIEW_MS) return this.cached.version;
    const askedAt = Date.now();
    const [live, promoted] = await Promise.all([this.warm.liveWorkers(), this.promoted()]);
    const candidates = live.filter((worker) => worker.version).map((worker) => ({ version: worker.version, at: worker.startedAt }));
    if (promoted) candidates.push(promoted);
    let version = latest(candidates);
    if (version === undefined) version = latest((await this.list()).map((known) => ({ version: known.version, at: known.lastStartedAt }))) ?? "";
    this.cached = { version, at: askedAt };
    return version;
  }

  /**
   * Moves a run from version `from` to `to` (libs/sdk/src/worker/upgrader.ts decided it, by
   * dry replay) if it is still as its replay read it, at `fence`; false when it went on
   * meanwhile. A parked run's wake-up job and a queued run's job sit on the old version's
   * runs queues: each moves to the new version's, under the run's outbox intent (a process
   * that dies in between leaves the sweeper to add the job the run's state names, on its
   * version). A queued run's job is taken off first: one a worker holds is being started,
   * on the old version, and the run is left there.
   */
  async upgradeRun(runId: string, from: string, to: string, fence: string, now = Date.now()): Promise<boolean> {
    const { redis, keys } = this.resources;
    const [status, jobId] = await redis.hmget(keys.run(runId), "status", "job");
    const oldQueue = this.resources.runsQueueOf(runId, from);
    await execOrThrow(addIntents(batch(redis), keys, [runId], now));
    try {
      if (status === "queued" && jobId && (await oldQueue.getJob(jobId)) && !(await removed(oldQueue, jobId))) return false;
      const moved = await callScript(redis, "upgradeRun", { keys: { run: keys.run(runId) }, args: { from, to, fence, now }, subject: runId });
      if (moved.kind === "upgraded" && moved.status === "waiting" && moved.job) await removed(oldQueue, moved.job);
      // The job the run's state names, on the queues of the version it is on now (a queued run's was taken off above either way).
      if (moved.kind === "upgraded" || status === "queued") await this.dispatch.ensureFromRunState(runId);
      return moved.kind === "upgraded";
    } finally {
      await execOrThrow(dropIntents(batch(redis), keys, [runId]));
    }
  }

  /** Records why a run stays on its version (left alone if it went on meanwhile). */
  async pinRun(runId: string, version: string, pin: RunPin): Promise<void> {
    await callScript(this.resources.redis, "pinRun", {
      keys: { run: this.resources.keys.run(runId) },
      args: { version, fence: pin.fence, pin: JSON.stringify(pin) },
      subject: runId,
    });
  }
}

/** A job taken off a queue; false when a worker holds it (it is being started). */
async function removed(queue: Queue, jobId: string): Promise<boolean> {
  try {
    await queue.remove(jobId);
    return !(await queue.getJob(jobId));
  } catch {
    return false;
  }
}

/** Why a run stays on its version: the first operation a newer version's code does not meet, both sides named (pinRun-1.lua). */
export interface RunPin {
  /** The version whose code was checked. */
  to: string;
  fence: string;
  position: number | null;
  recorded: string;
  reached: string;
  at: number;
}

const latest = (candidates: { version: string; at: number }[]): string | undefined =>
  candidates.reduce<{ version: string; at: number } | undefined>((best, each) => (!best || each.at > best.at ? each : best), undefined)?.version;
