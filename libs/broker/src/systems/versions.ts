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
  /** When another version became current after it (a start, a promotion); absent while it may be current. */
  supersededAt?: number;
  /**
   * When it was retired (drained, no worker left: its queues are gone). Its entry stays a
   * while, so a worker of it started again later is known as old and does not become
   * current; a start revives it.
   */
  retiredAt?: number;
}

/** How long a retired version's entry is kept, so an old worker started again is still known as old. */
const RETIRED_KEPT_MS = 30 * 24 * 3_600_000;

/** What a walk of every parked run counted (libs/sdk/src/worker/upgrader.ts), per version. */
export interface VersionCensus {
  /** When the walk began, and ended (ms). */
  startedAt: number;
  at: number;
  versions: Record<string, { waiting: number; notUpgraded: number; examples: VersionList["data"][number]["notUpgraded"]["examples"] }>;
}

/** Examples of runs not upgraded kept per version. */
export const CENSUS_EXAMPLES = 3;

/**
 * Versions of task code (libs/sdk/src/worker/version.ts names them). Every worker runs one,
 * and a run runs on the version it started on: a trigger from outside starts on the current
 * version, a child on its parent's, and only workers of a run's version execute it (its
 * jobs go to that version's runs queues: dispatch.ts). The current version is the newest
 * of the versions live workers run (by when a worker of each first started) and the one an
 * operator promoted, at its promotion: a deploy makes its version current by starting (a
 * worker of an older version started again to finish its runs does not), and a promotion
 * (a rollback, say) holds until a new version's first worker starts after it. With no live
 * worker, it is the newest version; before any, there is none ("": such a run takes the
 * version of the first worker that starts it).
 */
export class VersionsSystem {
  private cached?: { version: string; at: number };

  constructor(
    private readonly resources: Resources,
    private readonly warm: WarmWorkersSystem,
    private readonly dispatch: DispatchSystem,
  ) {}

  /** Records that a worker of `version` started (createWorker); the first one of a version supersedes the others. */
  async started(version: string, now = Date.now()): Promise<void> {
    const known = await this.known(version);
    if (!known) return this.makeCurrent({ version, firstStartedAt: now, lastStartedAt: now }, now);
    await this.resources.redis.hset(this.resources.keys.versions(), version, stored({ ...known, lastStartedAt: now, retiredAt: undefined }));
  }

  /** Writes `entry` as the version that may be current now; every other one not superseded yet is, from `now`. */
  private async makeCurrent(entry: KnownVersion, now: number): Promise<void> {
    const { redis, keys } = this.resources;
    const fields: string[] = [];
    for (const other of await this.list(true)) {
      if (other.version !== entry.version && other.supersededAt === undefined) fields.push(other.version, stored({ ...other, supersededAt: now }));
    }
    fields.push(entry.version, stored({ ...entry, supersededAt: undefined }));
    await redis.hset(keys.versions(), ...fields);
    this.cached = undefined;
  }

  /**
   * Retires the versions that are drained and that no live worker runs any more: their runs
   * queues (BullMQ's keys, on every shard) go, and their entries are marked; entries retired
   * longer than RETIRED_KEPT_MS ago go too. Returns the versions retired now.
   */
  async retireDrained(now = Date.now()): Promise<string[]> {
    const { redis, keys } = this.resources;
    const retired = (await this.describe()).data.filter((version) => version.drained && version.liveWorkers === 0).map((version) => version.version);
    for (const version of retired) {
      for (const queue of this.resources.runsQueuesOf(version)) await queue.obliterate({ force: true });
      await this.resources.forgetRunsQueuesOf(version);
      const known = await this.known(version);
      if (known) await redis.hset(keys.versions(), version, stored({ ...known, retiredAt: now }));
    }
    const forgotten = (await this.list(true)).filter((known) => known.retiredAt !== undefined && known.retiredAt < now - RETIRED_KEPT_MS);
    if (forgotten.length) {
      await redis.hdel(keys.versions(), ...forgotten.map((known) => known.version));
      // The schedules their code declared (systems/schedules.ts) go with them.
      await redis.hdel(keys.schedules("declared"), ...forgotten.map((known) => known.version));
    }
    return retired;
  }

  /** Records what a walk of every parked run counted (the upgrader, at the end of its walk). */
  async recordCensus(census: VersionCensus): Promise<void> {
    await this.resources.redis.set(this.resources.keys.versionCensus(), JSON.stringify(census));
  }

  private async census(): Promise<VersionCensus | null> {
    const json = await this.resources.redis.get(this.resources.keys.versionCensus());
    return json ? (JSON.parse(json) as VersionCensus) : null;
  }

  /** Queued and running runs of a version now: the jobs on its runs queues. */
  private async queueCounts(version: string): Promise<{ queued: number; running: number }> {
    const counts = await Promise.all(this.resources.runsQueuesOf(version).map((queue) => queue.getJobCounts("waiting", "prioritized", "active")));
    return {
      queued: counts.reduce((sum, c) => sum + (c.waiting ?? 0) + (c.prioritized ?? 0), 0),
      running: counts.reduce((sum, c) => sum + (c.active ?? 0), 0),
    };
  }

  /** The versions as operators see them (GET /versions): which is current, live workers, runs by status, which can stop. */
  async describe(): Promise<VersionList> {
    const [known, live, promoted, current, census] = await Promise.all([this.list(), this.warm.liveWorkers(), this.promoted(), this.current(), this.census()]);
    const iso = (ms: number) => new Date(ms).toISOString();
    const data = await Promise.all(
      known.map(async ({ version, firstStartedAt, lastStartedAt, supersededAt }) => {
        const { queued, running } = await this.queueCounts(version);
        const counted = census?.versions[version];
        const waiting = census ? (counted?.waiting ?? 0) : null;
        // Drained: nothing queued or running now, and none parked as a walk begun after it stopped being current counted them.
        const countedSince = census !== null && supersededAt !== undefined && census.startedAt > supersededAt;
        return {
          version,
          current: version === current,
          liveWorkers: live.filter((worker) => worker.version === version).length,
          firstStartedAt: iso(firstStartedAt),
          lastStartedAt: iso(lastStartedAt),
          promotedAt: promoted?.version === version ? iso(promoted.at) : null,
          runs: { queued, running, waiting },
          notUpgraded: { runs: census ? (counted?.notUpgraded ?? 0) : null, examples: counted?.examples ?? [] },
          countedAt: census ? iso(census.at) : null,
          drained: version !== current && countedSince && queued === 0 && running === 0 && waiting === 0,
        };
      }),
    );
    return { current: current || null, data };
  }

  /** The versions workers have started, oldest first. */
  async list(withRetired = false): Promise<KnownVersion[]> {
    const entries = await this.resources.redis.hgetall(this.resources.keys.versions());
    return Object.entries(entries)
      .map(([version, json]) => ({ version, ...(JSON.parse(json) as Omit<KnownVersion, "version">) }))
      .filter((known) => withRetired || known.retiredAt === undefined)
      .sort((a, b) => a.firstStartedAt - b.firstStartedAt || (a.version < b.version ? -1 : 1));
  }

  private async known(version: string): Promise<KnownVersion | null> {
    const json = await this.resources.redis.hget(this.resources.keys.versions(), version);
    return json ? { version, ...(JSON.parse(json) as Omit<KnownVersion, "version">) } : null;
  }

  /** Makes a version that workers have started current (`helmr version promote`); 404 for one never started. */
  async promote(version: string, now = Date.now()): Promise<void> {
    const known = await this.known(version);
    if (!known || known.retiredAt !== undefined)
      throw notFound("version", version, "no worker runs it, or it was retired (`helmr version list` shows the versions there are)");
    await this.resources.redis.set(this.resources.keys.promotedVersion(), JSON.stringify({ version, at: now }));
    await this.makeCurrent(known, now);
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
    const known = await this.list();
    const firstStarted = new Map(known.map((each) => [each.version, each.firstStartedAt]));
    const liveVersions = new Set(live.map((worker) => worker.version).filter((version) => firstStarted.has(version)));
    const candidates = [...liveVersions].map((version) => ({ version, at: firstStarted.get(version)! }));
    if (promoted) candidates.push(promoted);
    let version = latest(candidates);
    if (version === undefined) version = latest(known.map((each) => ({ version: each.version, at: each.firstStartedAt }))) ?? "";
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
      // A parked run's wake-up job, on the old version's queues or its warm worker's (one already taken finds itself stale, or hands itself on).
      if (moved.kind === "upgraded" && moved.status === "waiting" && moved.job) await this.dispatch.removeJob(runId, from, moved.job, moved.warm);
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

/** A registry entry as stored (its name is the hash field). */
const stored = ({ version: _, ...entry }: KnownVersion): string => JSON.stringify(entry);

const latest = (candidates: { version: string; at: number }[]): string | undefined =>
  candidates.reduce<{ version: string; at: number } | undefined>((best, each) => (!best || each.at > best.at ? each : best), undefined)?.version;
