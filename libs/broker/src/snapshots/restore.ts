import { isTokenId } from "@helmr/core";
import { LAYOUT_VERSION, type HelmrEngine } from "../engine.ts";
import { TAG_KEYS } from "../keys.ts";
import { batch, deleteEach, execOrThrow } from "../pipelines.ts";
import { chainOf, listSnapshots, SnapshotNotFoundError } from "./catalog.ts";
import { decodePart, type Manifest } from "./format.ts";
import { indexUnit, pendingWork, writeIdLogs } from "./indexes.ts";
import type { SnapshotStore } from "./stores/store.ts";
import { isLayout1RunHash, nameInSessions, upgradeRunHash } from "../upgrades/index.ts";
import { writeUnit, type UnitRecord } from "./units.ts";
import { masters } from "../redis-target.ts";

export interface RestoreOptions {
  /** Default: the newest snapshot. */
  snapshotId?: string;
  /** Replace Helmr's data in a Redis that has some (default: refuse). */
  force?: boolean;
  /** Units applied so far, of `total` (an upper bound: a unit changed in several snapshots of the chain counts once per copy). */
  onProgress?: (done: number, total: number) => void;
}

export interface RestoreResult {
  snapshotId: string;
  /** The snapshots applied, newest first. */
  chain: string[];
  sessions: number;
  tokens: number;
  /** Jobs added again: runs queued or running at snapshot time, and timers and timeouts at their due times. */
  jobs: number;
  /** Completed tokens whose waiting run was resumed. */
  settledTokens: number;
  durationMs: number;
}

export class RestoreRefusedError extends Error {
  override name = "RestoreRefusedError";
}

/** Pipelined units per round trip, and jobs added at once. */
const UNITS_PER_WRITE = 200;
const JOBS_AT_ONCE = 32;

/**
 * Restores a snapshot chain into a Redis without Helmr data: writes every unit back (each
 * from its newest snapshot), rebuilds the global indexes, then adds each run's expected job
 * again, timers and timeouts with their original due times (overdue ones fire at once), and
 * resumes runs whose token was completed after they parked.
 */
export async function restoreSnapshot(engine: HelmrEngine, store: SnapshotStore, options: RestoreOptions = {}): Promise<RestoreResult> {
  const started = Date.now();
  const snapshotId = options.snapshotId ?? (await latestSnapshotId(store));
  const chain = await chainOf(store, snapshotId);
  await prepareTarget(engine, options.force === true);

  const { redis, keys } = engine.resources;
  const work = pendingWork();
  const { waiting } = engine.resources;
  const seen = new Set<string>();
  const total = chain.reduce((sum, manifest) => sum + manifest.parts.reduce((n, part) => n + part.units, 0), 0);
  let done = 0;
  let sessions = 0;
  let tokens = 0;
  /** Tokens of runs from snapshots taken before layout 5, to be named in their sessions once all is written. */
  const unnamedRunTokens: { tokenId: string; runId: string | undefined }[] = [];
  for (const manifest of chain) {
    for (const part of manifest.parts) {
      const name = `${manifest.id}/${part.name}`;
      const body = await store.get(name);
      if (!body) throw new SnapshotNotFoundError(`snapshot ${manifest.id} is missing its part ${part.name}; restore an older snapshot (helmr snapshot list)`);
      const units = await decodePart(body);
      for (let i = 0; i < units.length; i += UNITS_PER_WRITE) {
        const pipeline = batch(redis);
        for (const unit of units.slice(i, i + UNITS_PER_WRITE)) {
          if (seen.has(unit.unit)) continue;
          seen.add(unit.unit);
          // Gone when this snapshot was taken: older snapshots' copies stay out too.
          if (unit.deleted) continue;
          if (isTokenId(unit.unit)) {
            tokens++;
            if (manifest.layout < 5) unnamedRunTokens.push({ tokenId: unit.unit, runId: (unit.keys[0]?.v as Record<string, string> | undefined)?.runId });
          } else sessions++;
          writeUnit(pipeline, keys, inCurrentLayout(unit, manifest));
          indexUnit(pipeline, keys, waiting, unit, work);
        }
        await execOrThrow(pipeline);
        done += Math.min(UNITS_PER_WRITE, units.length - i);
        options.onProgress?.(done, total);
      }
    }
  }
  await nameInSessions(redis, keys, unnamedRunTokens);
  await writeIdLogs(redis, keys, work.logged);
  await restoreGlobals(engine, chain[0]);

  await inBatches(work.jobs, (job) =>
    engine.dispatch.ensureJob({ runId: job.runId, taskId: job.taskId, ...(job.version ? { version: job.version } : {}) }, job.jobId, job.runAt),
  );
  let settledTokens = 0;
  await inBatches(work.settle, async (tokenId) => {
    if (await engine.tokens.settleWaiter(tokenId)) settledTokens++;
  });
  options.onProgress?.(total, total);
  return { snapshotId, chain: chain.map((m) => m.id), sessions, tokens, jobs: work.jobs.length, settledTokens, durationMs: Date.now() - started };
}

/** A unit from a snapshot taken in an older layout, as the current layout stores it (upgrades/). */
export function inCurrentLayout(unit: UnitRecord, manifest: Manifest): UnitRecord {
  if (manifest.layout === LAYOUT_VERSION) return unit;
  if (manifest.layout > LAYOUT_VERSION) {
    throw new Error(
      `snapshot ${manifest.id} was taken in layout ${manifest.layout}, newer than this Helmr reads (${LAYOUT_VERSION}); restore it with the Helmr version that took it`,
    );
  }
  return {
    ...unit,
    keys: unit.keys.map((key) => {
      if (key.t !== "hash" || !key.k.startsWith(TAG_KEYS.run) || !isLayout1RunHash(key.v)) return key;
      const { set, del } = upgradeRunHash(key.v);
      const upgraded = { ...key.v, ...set };
      for (const field of del) delete upgraded[field];
      return { ...key, v: upgraded };
    }),
  };
}

export async function latestSnapshotId(store: SnapshotStore): Promise<string> {
  const latest = (await listSnapshots(store)).at(-1);
  if (!latest) throw new SnapshotNotFoundError("there are no snapshots to restore; `helmr snapshot create` writes one");
  return latest.id;
}

/**
 * Refuses a Redis that holds sessions or tokens under this prefix (their keys carry a hash
 * tag: `helmr:{…`); with force, removes them and every job of the runs queue first.
 * Worker registrations and other bookkeeping do not count as data.
 */
async function prepareTarget(engine: HelmrEngine, force: boolean): Promise<void> {
  const { keys } = engine.resources;
  if (!(await anyKey(engine, keys.taggedKeysPattern()))) return;
  if (!force) {
    throw new RestoreRefusedError(
      `Redis already holds Helmr data under the prefix "${keys.prefix}". Restore into an empty Redis (point HELMR_REDIS_URL at a new one), or pass --force to replace that data`,
    );
  }
  // Every version's runs queues go too (BullMQ's keys are outside the prefix's pattern).
  const versions = (await engine.versions.list()).map((known) => known.version);
  await deleteMatching(engine, keys.allKeysPattern());
  // obliterate pauses the queue before deleting it; resuming makes sure no pause outlives it.
  for (const queue of ["", ...versions].flatMap((version) => engine.resources.runsQueuesOf(version))) {
    await queue.obliterate({ force: true });
    await queue.resume();
  }
}

/** The keys matching a pattern, a SCAN batch at a time, on every master of a cluster. */
async function* scanKeys(engine: HelmrEngine, pattern: string): AsyncGenerator<string[]> {
  for (const node of masters(engine.resources.redis)) {
    let cursor = "0";
    do {
      const [next, found] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      if (found.length) yield found;
      cursor = next;
    } while (cursor !== "0");
  }
}

async function anyKey(engine: HelmrEngine, pattern: string): Promise<boolean> {
  for await (const _batch of scanKeys(engine, pattern)) return true;
  return false;
}

async function deleteMatching(engine: HelmrEngine, pattern: string): Promise<void> {
  for await (const found of scanKeys(engine, pattern)) await deleteEach(engine.resources.redis, found);
}

/**
 * Registered tasks, input schemas and schedules, unless a worker (or a user) has written
 * newer ones since; the schedules then get their BullMQ schedulers (SchedulesSystem.reconcile).
 */
async function restoreGlobals(engine: HelmrEngine, newest: Manifest): Promise<void> {
  const { redis, keys } = engine.resources;
  const pipeline = batch(redis);
  for (const [field, value] of Object.entries(newest.globals.tasks)) pipeline.hsetnx(keys.tasks(), field, value);
  for (const [field, value] of Object.entries(newest.globals.inputSchemas)) pipeline.hsetnx(keys.inputSchemas(), field, value);
  for (const [id, stored] of Object.entries(newest.globals.schedules)) {
    pipeline.hsetnx(keys.schedules("records"), id, stored);
    pipeline.zadd(keys.schedules("order"), 0, id);
    const { dedup } = JSON.parse(stored) as { dedup?: string };
    if (dedup) pipeline.hsetnx(keys.schedules("dedup"), dedup, id);
  }
  await execOrThrow(pipeline);
  await engine.schedules.reconcile();
}

async function inBatches<T>(items: T[], task: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += JOBS_AT_ONCE) await Promise.all(items.slice(i, i + JOBS_AT_ONCE).map(task));
}
