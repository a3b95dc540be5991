import {
  LOWEST_PRIORITY,
  type LimitsView,
  type RunFlow,
  type RunJob,
  type SharedLimitRecord,
  type SharedLimits,
  type TaskLimits,
  type TaskRecord,
} from "@helmr/core";
import { callScript } from "../lua/index.ts";
import { limitsGiven, limitsView, sharedScope, storedLimitsOf, type StoredLimits } from "../stored-limits.ts";
import { batch, execOrThrow } from "../pipelines.ts";
import type { Resources } from "../resources.ts";
import { runJobOptions, type WarmWorkersSystem } from "./warm-workers.ts";

/** What a worker asks of the slots before it runs a job of a limited task. */
export interface SlotRequest {
  runId: string;
  /** The run's job (its state names it). */
  jobId: string;
  /** The BullMQ job carrying it. */
  carrier: string;
  taskId: string;
  version: string;
  warmWorker: string;
  flow: RunFlow;
  /** A resume (or retry), which goes ahead of new starts. */
  resume: boolean;
  /** How long the slot lasts unrenewed: the worker's lock duration. */
  leaseMs: number;
}

/** `held`: run the job; `waiting`: the run is in line, its job dispatched when its turn comes; `duplicate`: another BullMQ job is running it; `free`: no limits. */
export type SlotOutcome = "held" | "waiting" | "duplicate" | "free";

/** What a script of the slots moved: the runs it granted a slot to (their jobs dispatched), and when the slots want a sweep next (null: no timer). */
export interface SlotsMoved {
  granted: string[];
  nextTimerAt: number | null;
}

/** How long a run granted a slot may take to start before the slot goes to the next in line (its job may have been lost with the process adding it). */
export const GRANT_LEASE_MS = 30_000;

/**
 * Flow control: concurrency limits per task and per concurrencyKey, rate limits, and the
 * order runs wait in. A task's limits are a scope of **slots** under one hash tag
 * (`{limits}`, keys.ts SLOT_KEYS), so one script checks them all at once, exactly, however
 * many workers there are.
 *
 * An execution holds a slot from its start until it parks or ends: a worker takes one
 * (acquireSlot) before it starts a job of a limited task, and lets it go after (releaseSlot).
 * A run that finds none free waits in line, its BullMQ job done: resumes first, then by
 * priority (0 first), then by arrival, the keys of a scope taking turns. A slot let go goes
 * to the first in line at once (a **grant**), and the process that let it go dispatches
 * that run's job, carried by a BullMQ job of its own (`<job id>.g<grant>`). Leases keep it
 * exact when processes die: a held slot lasts one lock duration unless its worker renews
 * it; a granted run that never started goes back to its place after GRANT_LEASE_MS. A rate
 * limit counts starts in a sliding window; when it holds runs back, a timer brings the
 * scope up again as the window opens (every worker sweeps the slots each second, and when
 * the next timer is due). A **shared limit** (`limits.define`, scope `@<name>`) caps the
 * runs of every task that names it: a run starts only when each has room, and a slot of
 * one that goes lets those tasks take turns at it.
 */
export class FlowSystem {
  constructor(
    private readonly resources: Resources,
    private readonly warm: WarmWorkersSystem,
  ) {}

  /** A waiter's rank: resumes before new starts, then priority (0 first). */
  static rankOf(resume: boolean, priority = 0): number {
    return (resume ? 0 : LOWEST_PRIORITY + 1) + priority;
  }

  /** Takes a slot for a job, or puts its run in line; dispatches the runs the call granted slots to. */
  async acquire(request: SlotRequest, now = Date.now()): Promise<{ outcome: SlotOutcome } & SlotsMoved> {
    const reply = await callScript(this.resources.redis, "acquireSlot", {
      keys: { runs: this.resources.keys.slots("runs") },
      args: {
        base: this.resources.keys.slotsBase(),
        runId: request.runId,
        jobId: request.jobId,
        carrier: request.carrier,
        scope: request.taskId,
        key: request.flow.key ?? "",
        rank: FlowSystem.rankOf(request.resume, request.flow.priority),
        taskId: request.taskId,
        version: request.version,
        warmWorker: request.warmWorker,
        flow: JSON.stringify(request.flow),
        leaseMs: request.leaseMs,
        grantLeaseMs: GRANT_LEASE_MS,
        now,
      },
    });
    if (reply.kind === "free" || reply.kind === "duplicate") return { outcome: reply.kind, granted: [], nextTimerAt: null };
    return { outcome: reply.kind === "granted" ? "held" : "waiting", ...(await this.moved(reply)) };
  }

  /** Lets the slot a job's execution held go; dispatches the run it goes to. */
  async release(runId: string, jobId: string, now = Date.now()): Promise<SlotsMoved> {
    const reply = await callScript(this.resources.redis, "releaseSlot", {
      keys: { runs: this.resources.keys.slots("runs") },
      args: { base: this.resources.keys.slotsBase(), runId, jobId, grantLeaseMs: GRANT_LEASE_MS, now },
    });
    return this.moved(reply);
  }

  /**
   * Takes a run that will never start (expired or cancelled while it waited) out of its
   * line, so it counts as queued no more and takes no turn (lua/withdrawSlot-1.lua). A run
   * holding or granted a slot is left to its job. True when it was in line.
   */
  async withdraw(runId: string): Promise<boolean> {
    const { withdrawn } = await callScript(this.resources.redis, "withdrawSlot", {
      keys: { runs: this.resources.keys.slots("runs") },
      args: { base: this.resources.keys.slotsBase(), runId },
    });
    return withdrawn === "1";
  }

  /** Renews the leases of the slots a worker's executions hold: `held` maps run ids to the jobs they run for. */
  async renew(held: Map<string, string>, leaseMs: number, now = Date.now()): Promise<void> {
    if (held.size === 0) return;
    await callScript(this.resources.redis, "renewSlots", {
      keys: { leases: this.resources.keys.slots("leases") },
      args: { base: this.resources.keys.slotsBase(), leaseMs, now },
      rest: [...held].flat(),
    });
  }

  /** Lets go the slots whose leases ran out and looks again at the scopes whose timers came due; returns when to sweep next. */
  async sweep(now = Date.now()): Promise<SlotsMoved> {
    const reply = await callScript(this.resources.redis, "sweepSlots", {
      keys: { runs: this.resources.keys.slots("runs") },
      args: { base: this.resources.keys.slotsBase(), grantLeaseMs: GRANT_LEASE_MS, now },
    });
    return this.moved(reply);
  }

  /**
   * Sets a task's limits: as its code declares them (a worker starting; null for none) or
   * at runtime (`set`; null goes back to the code's). Runs in line that the limits in force
   * now let start are dispatched. Returns the limits in force.
   */
  async setLimits(taskId: string, source: "code" | "set", limits: TaskLimits | null, now = Date.now(), shared: string[] = []): Promise<LimitsView> {
    const stored =
      limits === null && shared.length === 0 ? null : { ...storedLimitsOf(limits ?? {}), ...(shared.length ? { named: shared.map(sharedScope) } : {}) };
    return this.setScope(taskId, source, stored, now);
  }

  /** Pauses or resumes a task (pause) unless it is so already, keeping when it was first paused; returns it as it is then. */
  async setPaused(task: { id: string; registeredAt: string; lastSeenAt: string }, paused: boolean): Promise<TaskRecord> {
    if (((await this.describe(task)).pausedAt !== null) !== paused) await this.pause(task.id, paused);
    return this.describe(task);
  }

  /**
   * Pauses a task, or resumes it: paused, none of its runs takes a slot, so none starts or
   * resumes (triggers and inputs are taken; their runs wait in line, resumes first), while
   * what runs now goes on; resumed, the runs in line start as its limits let them. A pause
   * returns once every worker has it: a worker trusts its list of limited tasks for
   * LIMITED_FOR_MS (isLimited), so from then on each one reads it again, pause included,
   * before it starts anything.
   */
  async pause(taskId: string, paused: boolean, now = Date.now()): Promise<void> {
    const reply = await callScript(this.resources.redis, "setLimits", {
      keys: { runs: this.resources.keys.slots("runs") },
      args: {
        base: this.resources.keys.slotsBase(),
        scope: taskId,
        source: "pause",
        limits: paused ? String(now) : "",
        grantLeaseMs: GRANT_LEASE_MS,
        now,
      },
    });
    await this.dispatchGranted(reply.dispatch);
    this.limitedAt = 0;
    if (paused) await new Promise((resolve) => setTimeout(resolve, LIMITED_FOR_MS + PAUSE_MARGIN_MS));
  }

  /** Sets a shared limit's limits (`limits.define` in a worker's code, or at runtime). */
  async setShared(name: string, source: "code" | "set", limits: SharedLimits | null, now = Date.now()): Promise<LimitsView> {
    return this.setScope(sharedScope(name), source, limits === null ? null : storedLimitsOf(limits), now);
  }

  private async setScope(scope: string, source: "code" | "set", stored: StoredLimits | null, now: number): Promise<LimitsView> {
    const reply = await callScript(this.resources.redis, "setLimits", {
      keys: { runs: this.resources.keys.slots("runs") },
      args: {
        base: this.resources.keys.slotsBase(),
        scope,
        source,
        limits: stored === null ? "" : JSON.stringify(stored),
        grantLeaseMs: GRANT_LEASE_MS,
        now,
      },
    });
    await this.dispatchGranted(reply.dispatch);
    this.limitedAt = 0;
    return limitsView(reply.limits ? (JSON.parse(reply.limits) as StoredLimits) : {});
  }

  /** Tasks with limits in force, read again at most once a second: a worker asks for each job. */
  async isLimited(taskId: string, now = Date.now()): Promise<boolean> {
    if (now - this.limitedAt > LIMITED_FOR_MS) {
      this.limited = new Set(await this.resources.redis.hkeys(this.resources.keys.slots("limits")));
      this.limitedAt = now;
    }
    return this.limited.has(taskId);
  }
  private limited = new Set<string>();
  private limitedAt = 0;

  /** A run's concurrencyKey and priority, from its state (for a job that does not carry them). */
  async flowOfRun(runId: string): Promise<RunFlow> {
    const text = await this.resources.redis.hget(this.resources.keys.run(runId), "flow");
    return text ? (JSON.parse(text) as RunFlow) : {};
  }

  /** A task's limits and how its runs stand against them: the busiest keys first. */
  async describe(task: { id: string; registeredAt: string; lastSeenAt: string }): Promise<TaskRecord> {
    const { redis, keys } = this.resources;
    const scope = task.id;
    const reads = batch(redis);
    reads.hget(keys.slots("limits"), scope);
    reads.hget(keys.slots("codeLimits"), scope);
    reads.hget(keys.slots("setLimits"), scope);
    reads.hget(keys.slots("held"), scope);
    reads.hget(keys.slots("queued"), scope);
    reads.hget(keys.slots("throttled"), scope);
    reads.hgetall(keys.slots("heldByKey", scope));
    reads.hgetall(keys.slots("queuedByKey", scope));
    reads.hgetall(keys.slots("throttledByKey", scope));
    reads.hget(keys.slots("paused"), scope);
    const [inForce, code, given, held, queued, throttled, heldByKey, queuedByKey, throttledByKey, pausedAt] = (await execOrThrow(reads)) as [
      string | null,
      string | null,
      string | null,
      string | null,
      string | null,
      string | null,
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
      string | null,
    ];
    const names = new Set([...Object.keys(heldByKey), ...Object.keys(queuedByKey)]);
    const byKey = [...names]
      .map((key) => ({
        key,
        running: Number(heldByKey[key] ?? 0),
        queued: Number(queuedByKey[key] ?? 0),
        throttled: Number(throttledByKey[key] ?? 0),
      }))
      .sort((a, b) => b.running + b.queued - (a.running + a.queued) || a.key.localeCompare(b.key))
      .slice(0, TOP_KEYS);
    const named = ((code ? JSON.parse(code) : {}) as StoredLimits).named ?? [];
    return {
      ...task,
      limits: {
        inForce: limitsView(inForce ? JSON.parse(inForce) : {}),
        code: limitsView(code ? JSON.parse(code) : {}),
        set: given ? limitsGiven(JSON.parse(given)) : null,
        shared: named.map((scope) => scope.slice(1)),
      },
      running: Number(held ?? 0),
      queued: Number(queued ?? 0),
      throttledTotal: Number(throttled ?? 0),
      keys: byKey,
      pausedAt: pausedAt ? new Date(Number(pausedAt)).toISOString() : null,
    };
  }

  /** A shared limit, its runs against it and the tasks that name it; null for a name no code or operator set. */
  async describeShared(name: string): Promise<SharedLimitRecord | null> {
    const { redis, keys } = this.resources;
    const scope = sharedScope(name);
    const reads = batch(redis);
    reads.hget(keys.slots("limits"), scope);
    reads.hget(keys.slots("codeLimits"), scope);
    reads.hget(keys.slots("setLimits"), scope);
    reads.hget(keys.slots("held"), scope);
    reads.zrange(keys.slots("sharedBy", scope), 0, -1);
    const [inForce, code, given, held, tasks] = (await execOrThrow(reads)) as [string | null, string | null, string | null, string | null, string[]];
    if (inForce === null && code === null && given === null && tasks.length === 0) return null;
    return {
      name,
      limits: {
        inForce: limitsView(inForce ? JSON.parse(inForce) : {}),
        code: limitsView(code ? JSON.parse(code) : {}),
        set: given ? (limitsGiven(JSON.parse(given)) as SharedLimits) : null,
      },
      running: Number(held ?? 0),
      tasks: tasks.sort(),
    };
  }

  /** Running, queued and throttled counts of every task with limits, and whether it is paused, for the metrics. */
  async counts(): Promise<{ taskId: string; running: number; queued: number; throttled: number; paused: boolean }[]> {
    const { redis, keys } = this.resources;
    const reads = batch(redis);
    reads.hkeys(keys.slots("limits"));
    reads.hgetall(keys.slots("held"));
    reads.hgetall(keys.slots("queued"));
    reads.hgetall(keys.slots("throttled"));
    reads.hgetall(keys.slots("paused"));
    const [limited, held, queued, throttled, paused] = (await execOrThrow(reads)) as [string[], ...Record<string, string>[]];
    const tasks = new Set([...limited, ...Object.keys(held), ...Object.keys(queued), ...Object.keys(throttled)].filter((scope) => !scope.startsWith("@")));
    return [...tasks].map((taskId) => ({
      taskId,
      running: Number(held[taskId] ?? 0),
      queued: Number(queued[taskId] ?? 0),
      throttled: Number(throttled[taskId] ?? 0),
      paused: paused[taskId] !== undefined,
    }));
  }

  /** Dispatches what a script granted; what it granted, and when the slots want a sweep next. */
  private async moved(reply: { dispatch: string[]; nextTimerAt: string }): Promise<SlotsMoved> {
    await this.dispatchGranted(reply.dispatch);
    const granted: string[] = [];
    for (let i = 0; i < reply.dispatch.length; i += GRANT_FIELDS) granted.push(reply.dispatch[i]);
    return { granted, nextTimerAt: reply.nextTimerAt === "" ? null : Number(reply.nextTimerAt) };
  }

  /**
   * Adds the jobs of runs granted a slot, 7 fields each (lua/includes/slots.lua,
   * dispatchList): to the worker keeping the run warm if it is alive, else to the runs
   * queue of its version. Each grant's carrier has an id of its own, so it never meets the
   * BullMQ job that found the run throttled (which may not have finished yet).
   */
  private async dispatchGranted(fields: string[]): Promise<void> {
    for (let i = 0; i < fields.length; i += GRANT_FIELDS) {
      const [runId, jobId, taskId, version, warmWorker, flowText, grant] = fields.slice(i, i + GRANT_FIELDS);
      const flow = flowText ? (JSON.parse(flowText) as RunFlow) : {};
      const job: RunJob = { runId, taskId, jobId, ...(version ? { version } : {}), flow };
      const queue = await this.warm.queueFor(warmWorker, runId, version);
      await queue.add("run", job, { ...runJobOptions(), jobId: `${jobId}.g${grant}`, ...(flow.priority ? { priority: flow.priority } : {}) });
    }
  }
}

/** How long a worker trusts its list of limited tasks: a limit set at runtime reaches it within this. */
const LIMITED_FOR_MS = 1_000;
/** A pause waits this much more than LIMITED_FOR_MS, for timers firing late on a busy worker. */
const PAUSE_MARGIN_MS = 200;
/** The keys GET /tasks/:taskId lists. */
const TOP_KEYS = 20;

/** The fields of a grant in a script's dispatch list (lua/includes/slots.lua, dispatchList). */
const GRANT_FIELDS = 7;
