import {
  type CreateScheduleBody,
  conflict,
  HelmrError,
  isSessionId,
  newScheduleId,
  notFound,
  type Page,
  type ScheduleContext,
  type ScheduleListQuery,
  type ScheduleRecord,
  type UpdateScheduleBody,
} from "@helmr/core";
import { Queue } from "bullmq";
import { logDistinctErrors } from "../closing.ts";
import { SESSION_PARTS } from "../keys.ts";
import { execOrThrow } from "../pipelines.ts";
import type { Resources } from "../resources.ts";
import { checkTiming, nextCronFire } from "../schedule-times.ts";
import { type LastFire, sameTiming, scheduleRecord, type StoredSchedule, storedTiming, timingOf, withoutTiming } from "../schedule-records.ts";
import type { RunsSystem } from "./runs.ts";
import type { VersionsSystem } from "./versions.ts";

/** The BullMQ queue whose job schedulers fire the schedules (one scheduler a schedule, by its id). */
export const SCHEDULES_QUEUE = "schedules";

/** A schedule a task's code declares (schedules.task), as a worker publishes it for its version. */
export interface DeclaredSchedule {
  task: string;
  cron?: string;
  every?: number;
  timezone?: string;
}

/** How many fire times a schedule shows ahead (nextRuns). */
const NEXT_RUNS_SHOWN = 5;
/** How long the declared-schedules sync lock lasts, and how long a worker waits for it. */
const SYNC_LOCK_MS = 15_000;

/**
 * Schedules: runs of a task started on a clock. Each schedule is a record under
 * `{schedules}` (keys.ts) and a BullMQ job scheduler of the same id on the schedules queue,
 * which adds one delayed job per fire time, once for the whole fleet; the worker that takes
 * a fire triggers the run (`fire`) with the schedule and the fire time as its idempotency
 * key, so a fire BullMQ hands out twice (its worker died) still makes one run. Fires missed
 * while no worker ran come as one late fire: BullMQ computes the next fire from when the
 * late one is taken (ARCHITECTURE.md, "Schedules").
 *
 * The record is written first and the scheduler after; a process that dies between leaves
 * a record without a scheduler (or a scheduler without a record), which `reconcile` mends
 * as the next worker starts. A fire whose record is gone removes its stray scheduler.
 */
export class SchedulesSystem {
  private queueOfFires?: Queue;

  constructor(
    private readonly resources: Resources,
    private readonly runs: RunsSystem,
    private readonly versions: VersionsSystem,
  ) {}

  /** The schedules queue, made when first used (a process that never touches schedules opens no connection for it). */
  get queue(): Queue {
    if (!this.queueOfFires) {
      this.queueOfFires = new Queue(SCHEDULES_QUEUE, {
        connection: this.resources.queueConnection,
        prefix: this.resources.keys.schedulesQueuePrefix(),
        settings: { repeatStrategy: nextCronFire },
      });
      this.queueOfFires.on("error", logDistinctErrors(this.resources.logger, "schedules queue error"));
    }
    return this.queueOfFires;
  }

  /**
   * Creates a schedule (201), or updates the one its deduplicationKey names (200). Checks the
   * timing, the task and the session before anything is stored.
   */
  async create(body: CreateScheduleBody, now = Date.now()): Promise<{ status: "created" | "updated"; schedule: ScheduleRecord }> {
    const { redis, keys } = this.resources;
    const timing = timingOf(body);
    checkTiming(timing);
    await this.runs.checkTask(body.task);
    if (body.sessionId !== undefined && (!isSessionId(body.sessionId) || !(await redis.exists(keys.session(body.sessionId)))))
      throw notFound("session", body.sessionId);
    if (body.deduplicationKey !== undefined) {
      const existing = await redis.hget(keys.schedules("dedup"), body.deduplicationKey);
      if (existing && (await this.stored(existing))) return { status: "updated", schedule: await this.replace(existing, body, now) };
    }
    const id = newScheduleId();
    const stored: StoredSchedule = {
      task: body.task,
      ...storedTiming(timing),
      ...(body.payload !== undefined ? { payload: body.payload } : {}),
      ...(body.externalId !== undefined ? { ext: body.externalId } : {}),
      ...(body.deduplicationKey !== undefined ? { dedup: body.deduplicationKey } : {}),
      ...(body.sessionId !== undefined ? { session: body.sessionId } : {}),
      createdAt: now,
      updatedAt: now,
    };
    // The record before its deduplicationKey: a create that loses the key to a concurrent one
    // then finds the winner's record, takes its own back and updates the winner instead.
    await this.write(id, stored);
    if (body.deduplicationKey !== undefined && !(await redis.hsetnx(keys.schedules("dedup"), body.deduplicationKey, id))) {
      const winner = (await redis.hget(keys.schedules("dedup"), body.deduplicationKey))!;
      if (winner !== id && (await this.stored(winner))) {
        await this.forget(id, stored);
        return { status: "updated", schedule: await this.replace(winner, body, now) };
      }
      // The key outlived its schedule (a process died deleting it): it names this one now.
      await redis.hset(keys.schedules("dedup"), body.deduplicationKey, id);
    }
    if (body.sessionId !== undefined) await redis.hset(keys.session(body.sessionId), SESSION_PARTS.schedule + id, "1");
    await this.arm(id, stored, now);
    return { status: "created", schedule: await this.retrieve(id) };
  }

  /** A create whose deduplicationKey names `id`: the schedule takes the create's task, timing, payload and externalId. */
  private async replace(id: string, body: CreateScheduleBody, now: number): Promise<ScheduleRecord> {
    const stored = (await this.stored(id))!;
    const next: StoredSchedule = {
      ...withoutTiming(stored),
      task: body.task,
      ...storedTiming(timingOf(body)),
      updatedAt: now,
    };
    if (body.payload !== undefined) next.payload = body.payload;
    if (body.externalId !== undefined) next.ext = body.externalId;
    await this.write(id, next);
    if (!next.paused && !sameTiming(stored, next)) await this.arm(id, next, now);
    return this.retrieve(id);
  }

  /** Changes a schedule created at runtime; one its code declares changes with its code (409). */
  async update(id: string, body: UpdateScheduleBody, now = Date.now()): Promise<ScheduleRecord> {
    const stored = await this.mustExist(id);
    if (stored.declared)
      throw conflict("schedule_declared", `Schedule ${id} is declared by task "${stored.task}"'s code: change it there, and deploy (pause and resume work)`);
    let next: StoredSchedule = { ...stored, updatedAt: now };
    if (body.cron !== undefined || body.every !== undefined || body.timezone !== undefined) {
      const timing = timingOf({
        cron: body.cron ?? (body.every === undefined ? stored.cron : undefined),
        every: body.every ?? (body.cron === undefined ? stored.every : undefined),
        timezone: body.timezone ?? stored.tz,
      });
      checkTiming(timing);
      next = { ...withoutTiming(next), ...storedTiming(timing) };
    }
    if (body.payload !== undefined) next.payload = body.payload;
    if (body.externalId === null) delete next.ext;
    else if (body.externalId !== undefined) next.ext = body.externalId;
    await this.write(id, next);
    // Fires read the payload as they come: only a new timing re-arms (an every's phase stays otherwise).
    if (!next.paused && !sameTiming(stored, next)) await this.arm(id, next, now);
    return this.retrieve(id);
  }

  /** Stops a schedule's fires until it is resumed (a fire already taken still runs). */
  async pause(id: string, now = Date.now()): Promise<ScheduleRecord> {
    const stored = await this.mustExist(id);
    await this.write(id, { ...stored, paused: true, updatedAt: now });
    await this.queue.removeJobScheduler(id);
    return this.retrieve(id);
  }

  /** Fires a paused schedule again, from its next fire time after now (missed ones are not made up). */
  async resume(id: string, now = Date.now()): Promise<ScheduleRecord> {
    const { paused, ...stored } = await this.mustExist(id);
    const next = { ...stored, updatedAt: now };
    await this.write(id, next);
    if (paused) await this.arm(id, next, now);
    return this.retrieve(id);
  }

  /** Deletes a schedule created at runtime (`force`: one declared, as a deploy that stops declaring it does). */
  async remove(id: string, options: { force?: boolean } = {}): Promise<void> {
    const { redis, keys } = this.resources;
    const stored = await this.mustExist(id);
    if (stored.declared && !options.force)
      throw conflict("schedule_declared", `Schedule ${id} is declared by task "${stored.task}"'s code: remove it there, and deploy (or pause it)`);
    await this.forget(id, stored);
    if (stored.session) await redis.hdel(keys.session(stored.session), SESSION_PARTS.schedule + id);
    await this.queue.removeJobScheduler(id);
  }

  /** Deletes a schedule's record and its index entries (its deduplicationKey only while it names this one). */
  private async forget(id: string, stored: StoredSchedule): Promise<void> {
    const { redis, keys } = this.resources;
    const transaction = redis.multi();
    transaction.hdel(keys.schedules("records"), id);
    transaction.zrem(keys.schedules("order"), id);
    transaction.hdel(keys.schedules("fires"), id);
    await execOrThrow(transaction);
    if (stored.dedup && (await redis.hget(keys.schedules("dedup"), stored.dedup)) === id) await redis.hdel(keys.schedules("dedup"), stored.dedup);
  }

  /** Deletes schedules, declared or not, that may be gone already (those of an erased session). */
  async removeAll(ids: string[]): Promise<void> {
    for (const id of ids)
      await this.remove(id, { force: true }).catch((error) => {
        if (!(HelmrError.is(error) && error.kind === "not_found")) throw error;
      });
  }

  async retrieve(id: string): Promise<ScheduleRecord> {
    const stored = await this.mustExist(id);
    const [record] = await this.records([[id, stored]], NEXT_RUNS_SHOWN);
    return record;
  }

  /** By id (a runtime schedule's sorts by when it was created), filtered by task and externalId while paging. */
  async list(query: ScheduleListQuery): Promise<Page<ScheduleRecord>> {
    const { redis, keys } = this.resources;
    const found: [string, StoredSchedule][] = [];
    let cursor = query.cursor;
    for (let scanned = 0; found.length < query.limit && scanned < 2_000; ) {
      const ids = await redis.zrangebylex(keys.schedules("order"), cursor ? `(${cursor}` : "-", "+", "LIMIT", 0, query.limit);
      if (ids.length === 0) return { data: await this.records(found, 1), nextCursor: null };
      const texts = await redis.hmget(keys.schedules("records"), ...ids);
      for (let i = 0; i < ids.length && found.length < query.limit; i++) {
        cursor = ids[i];
        const stored = texts[i] ? (JSON.parse(texts[i]!) as StoredSchedule) : null;
        if (stored && (!query.task || stored.task === query.task) && (!query.externalId || stored.ext === query.externalId)) found.push([ids[i], stored]);
      }
      scanned += ids.length;
      if (ids.length < query.limit && cursor === ids[ids.length - 1]) return { data: await this.records(found, 1), nextCursor: null };
    }
    return { data: await this.records(found, 1), nextCursor: cursor ?? null };
  }

  /**
   * Starts the run of a fire (the schedules queue's job for `scheduledAt`): the schedule's
   * task and payload, in its session if it names one, with `ctx.schedule`, idempotent on
   * the schedule and the fire time. Null when the schedule is gone or paused.
   */
  async fire(id: string, scheduledAt: number, now = Date.now()): Promise<string | null> {
    const { redis, keys } = this.resources;
    const [text, lastText] = await Promise.all([redis.hget(keys.schedules("records"), id), redis.hget(keys.schedules("fires"), id)]);
    if (!text) {
      await this.queue.removeJobScheduler(id);
      return null;
    }
    const stored = JSON.parse(text) as StoredSchedule;
    if (stored.paused) return null;
    const last = lastText ? (JSON.parse(lastText) as LastFire) : null;
    const context: ScheduleContext = {
      id,
      externalId: stored.ext ?? null,
      scheduledAt: new Date(scheduledAt).toISOString(),
      lastScheduledAt: last && last.scheduledAt < scheduledAt ? new Date(last.scheduledAt).toISOString() : null,
    };
    const { runId } = await this.runs.trigger(
      stored.task,
      {
        ...(stored.payload !== undefined ? { payload: stored.payload } : {}),
        ...(stored.session ? { sessionId: stored.session } : {}),
        idempotencyKey: `schedule:${id}:${scheduledAt}`,
      },
      now,
      { schedule: JSON.stringify(context) },
    );
    if (!last || last.scheduledAt < scheduledAt) await redis.hset(keys.schedules("fires"), id, JSON.stringify({ runId, scheduledAt } satisfies LastFire));
    this.resources.metrics.scheduleFires.inc({ task: stored.task });
    return runId;
  }

  /** Records the schedules a version's code declares (a worker of it starting), for syncDeclared. */
  async publishDeclared(version: string, declared: DeclaredSchedule[]): Promise<void> {
    for (const each of declared) checkTiming(timingOf(each));
    await this.resources.redis.hset(this.resources.keys.schedules("declared"), version, JSON.stringify(declared));
  }

  /**
   * Makes the declared schedules those the current version's code declares (the newest one
   * started, or the one promoted): creates and updates them, and deletes the ones it no
   * longer declares. A worker of an older version changes nothing. Then mends any record
   * without its scheduler (reconcile). One process at a time.
   */
  async syncDeclared(now = Date.now()): Promise<void> {
    const { redis, keys } = this.resources;
    const lock = `${now}-${Math.random()}`;
    const deadline = Date.now() + SYNC_LOCK_MS;
    while ((await redis.set(keys.schedules("sync"), lock, "PX", SYNC_LOCK_MS, "NX")) !== "OK") {
      if (Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      const current = await this.versions.current();
      const text = current ? await redis.hget(keys.schedules("declared"), current) : null;
      if (text) await this.applyDeclared(JSON.parse(text) as DeclaredSchedule[], now);
      await this.reconcile(now);
    } finally {
      if ((await redis.get(keys.schedules("sync"))) === lock) await redis.del(keys.schedules("sync"));
    }
  }

  private async applyDeclared(declared: DeclaredSchedule[], now: number): Promise<void> {
    const all = await this.all();
    const wanted = new Set(declared.map((each) => each.task));
    for (const each of declared) {
      const existing = all.get(each.task);
      const timing = storedTiming(timingOf(each));
      if (existing?.declared && sameTiming(existing, timing)) continue;
      const next: StoredSchedule = {
        ...(existing ? withoutTiming(existing) : { createdAt: now }),
        task: each.task,
        ...timing,
        declared: true,
        updatedAt: now,
      };
      if (!existing) await this.resources.redis.zadd(this.resources.keys.schedules("order"), 0, each.task);
      await this.write(each.task, next);
      if (!next.paused) await this.arm(each.task, next, now);
    }
    for (const [id, stored] of all) if (stored.declared && !wanted.has(id)) await this.remove(id, { force: true });
  }

  /** Gives every active schedule its scheduler, and takes the schedulers no schedule has (a restore, a process that died between the two). */
  async reconcile(now = Date.now()): Promise<void> {
    const all = await this.all();
    const schedulers = new Set(await this.resources.redis.zrange(this.queue.keys.repeat, 0, -1));
    for (const [id, stored] of all) if (!stored.paused && !schedulers.has(id)) await this.arm(id, stored, now);
    for (const id of schedulers) if (!all.has(id)) await this.queue.removeJobScheduler(id);
  }

  async close(): Promise<void> {
    await this.queueOfFires?.close();
  }

  /** Every stored schedule by id. */
  private async all(): Promise<Map<string, StoredSchedule>> {
    const all = await this.resources.redis.hgetall(this.resources.keys.schedules("records"));
    return new Map(Object.entries(all).map(([id, text]) => [id, JSON.parse(text) as StoredSchedule]));
  }

  private async stored(id: string): Promise<StoredSchedule | null> {
    const text = await this.resources.redis.hget(this.resources.keys.schedules("records"), id);
    return text ? (JSON.parse(text) as StoredSchedule) : null;
  }

  private async mustExist(id: string): Promise<StoredSchedule> {
    const stored = await this.stored(id);
    if (!stored) throw notFound("schedule", id, "`helmr schedule list` shows the schedules there are");
    return stored;
  }

  private async write(id: string, stored: StoredSchedule): Promise<void> {
    const { redis, keys } = this.resources;
    const transaction = redis.multi();
    transaction.hset(keys.schedules("records"), id, JSON.stringify(stored));
    transaction.zadd(keys.schedules("order"), 0, id);
    await execOrThrow(transaction);
  }

  /**
   * Creates or updates the schedule's BullMQ job scheduler. An `every` schedule first fires
   * one period from now (BullMQ's own would fire at once).
   */
  private async arm(id: string, stored: StoredSchedule, now: number): Promise<void> {
    const repeat = stored.cron !== undefined ? { pattern: stored.cron, tz: stored.tz } : { every: stored.every!, startDate: now + stored.every! };
    await this.queue.upsertJobScheduler(id, repeat, {
      name: "fire",
      // A fire that fails (its task is gone, Redis failed over) is tried again, then dropped: the next fire comes anyway.
      opts: { removeOnComplete: true, removeOnFail: true, attempts: 3, backoff: { type: "exponential", delay: 1_000 } },
    });
  }

  /** Records as the API shows them, with `shown` next fire times each (the first from BullMQ's scheduler). */
  private async records(schedules: [string, StoredSchedule][], shown: number): Promise<ScheduleRecord[]> {
    if (schedules.length === 0) return [];
    const { redis, keys } = this.resources;
    const ids = schedules.map(([id]) => id);
    const [nexts, fires] = await Promise.all([redis.zmscore(this.queue.keys.repeat, ...ids), redis.hmget(keys.schedules("fires"), ...ids)]);
    return schedules.map(([id, stored], i) => {
      const next = stored.paused || nexts[i] === null ? null : Number(nexts[i]);
      return scheduleRecord(id, stored, next, fires[i] ? (JSON.parse(fires[i]!) as LastFire) : null, shown);
    });
  }
}
