import { fileURLToPath } from "node:url";
import { Name, TaskLimits, parseDuration, type Duration, type TriggerResult } from "@helmr/core";
import { currentExecution } from "./executor/context.ts";
import { isSharedLimit, type SharedLimit } from "./limits.ts";
import { triggerChild, type ChildOptions } from "./executor/operations/child.ts";
import { triggerBatch, type BatchItem, type BatchRunResult } from "./executor/operations/batch.ts";
import type { WaitResult } from "./executor/wait-result.ts";
import type { WaitBranch } from "./executor/operations/first.ts";

export interface RetryOptions {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number;
  /** Delay before the second attempt; each later one waits `factor` times longer. Default "1s". */
  minDelay?: Duration;
  factor?: number;
  maxDelay?: Duration;
}

// biome-ignore lint/suspicious/noExplicitAny: a task declared without a payload type takes any payload, as the user wrote it.
export interface TaskContext<Payload = any> {
  session: { id: string };
  run: { id: string; taskId: string; attempt: number };
  /** Aborted when this execution is abandoned: cancelled, out of maxDuration, stale, or given up while parked. */
  signal: AbortSignal;
  /**
   * Ends this run as `continued` and starts a new run of the same task in the same session
   * from `payload`, with an empty journal, in one atomic step; the two are linked
   * (`continuedAs`, `continuedFrom`). Input the session buffers meanwhile waits for the new
   * run. For runs that go on for very long (a conversation of thousands of turns): the new
   * run replays nothing of the old one's history. Never returns.
   */
  continueAsNew(payload: Payload): Promise<never>;
  /** The schedule fire that started this run (schedules.task, client.schedules); undefined for a run triggered otherwise. */
  readonly schedule?: ScheduleFire;
}

/** A schedule's fire, as the run it started sees it (`ctx.schedule`). */
export interface ScheduleFire {
  /** The schedule's id: the task's id for one its code declares, `sched_...` for one created at runtime. */
  id: string;
  externalId: string | null;
  /** The fire time this run is for: a fire that comes late (every worker was down) still names its own. */
  scheduledAt: Date;
  /** The schedule's fire before this one; null for its first. */
  lastScheduledAt: Date | null;
}

export interface TaskOptions<Payload, Output> {
  id: string;
  run: (payload: Payload, ctx: TaskContext<Payload>) => Promise<Output>;
  retry?: RetryOptions;
  /** Bound on active time (time parked does not count). */
  maxDuration?: Duration;
  /**
   * What a deploy does to this task's runs started on older code: "upgrade" (the default)
   * moves each to the new code once the new code replays its journal operation for
   * operation; "pinned" keeps every run on the code it started on, to the end.
   */
  versioning?: "upgrade" | "pinned";
  /**
   * Flow control: `limit` runs of this task executing at once across every worker, and
   * `perKey` per concurrencyKey (a trigger option) under it. A parked run holds no slot; a
   * run over a limit waits its turn, resumes first, then by priority. Changeable at runtime
   * (`helmr task limits`, PUT /api/v1/tasks/:taskId/limits): these are the defaults.
   */
  concurrency?: { limit?: number; perKey?: number };
  /** At most `limit` executions start in any window of `period` (per concurrencyKey with `perKey`); the rest wait their turn. */
  rateLimit?: { limit: number; period: Duration; perKey?: boolean };
  /**
   * Limits this task shares with others (`limits.define`): a run starts only when each has
   * room too. A name stands for a limit another module defines, or one set at runtime.
   */
  limits?: (SharedLimit | string)[];
}

// biome-ignore lint/suspicious/noExplicitAny: a task declared without a payload type takes any payload, as the user wrote it.
export interface TaskDefinition<Payload = any, Output = unknown> extends TaskOptions<Payload, Output> {
  /** Brand checked by name, so tasks from another copy of the SDK are recognised. */
  readonly kind: "helmr.task";
  readonly maxAttempts: number;
  readonly maxDurationMs: number | null;
  /** The file whose code called task(), when the call stack names one: where a worker's version fingerprint starts (worker/version.ts). */
  readonly definedIn?: string;
  retryDelayMs(attempt: number): number;
  /**
   * From a run's code: triggers a run of this task as a child and parks until it ends;
   * `{ ok: true, output }`, or `{ ok: false, error }` with a ChildRunFailedError when it
   * failed after its retries or was cancelled (`.unwrap()` throws it). The child runs in
   * the parent's session unless `sessionId` says otherwise. Journaled: a replay gets the
   * same child. Cancelling the parent cancels the child it waits on.
   */
  triggerAndWait(payload: Payload, options?: ChildOptions): WaitResult<Output>;
  /**
   * A branch of `waits.first` that a child run of this task ends: `waits.first` triggers
   * the child (journaled, like triggerAndWait), and its end, `{ ok, output | error }`, wins
   * if it comes first. A child that loses goes on running.
   */
  waitFor(payload: Payload, options?: ChildOptions): WaitBranch<Output>;
  /** From a run's code: triggers a run of this task as a child and goes on (journaled: a replay triggers no second one). */
  trigger(payload: Payload, options?: ChildOptions): Promise<TriggerResult>;
  /**
   * From a run's code: triggers up to 1,000 runs of this task as children (each item
   * `{ payload, sessionId?, idempotencyKey? }`) and parks once, until every one has ended.
   * Resolves to their outcomes in the items' order, each `{ ok: true, output, runId }` or
   * `{ ok: false, error, runId }` (a ChildRunFailedError). One journaled operation: the
   * batch is checked whole before any child exists (a refused batch creates none), and a
   * replay gets the same children.
   */
  batchTriggerAndWait(items: BatchItem<Payload>[]): Promise<BatchRunResult<Output>[]>;
  /** From a run's code: triggers up to 1,000 runs of this task as children and goes on; their ids in the items' order. */
  batchTrigger(items: BatchItem<Payload>[]): Promise<TriggerResult[]>;
}

// biome-ignore lint/suspicious/noExplicitAny: a task declared without a payload type takes any payload, as the user wrote it.
export function task<Payload = any, Output = unknown>(options: TaskOptions<Payload, Output>): TaskDefinition<Payload, Output> {
  return defineTask(options, task);
}

/**
 * task()'s work; `entry` is the function the user's code called (task, schedules.task), so
 * the file that called it is found on the stack above it.
 */
// biome-ignore lint/suspicious/noExplicitAny: as task().
export function defineTask<Payload = any, Output = unknown>(
  options: TaskOptions<Payload, Output>,
  entry: (...args: never) => unknown,
): TaskDefinition<Payload, Output> {
  const id = Name.safeParse(options.id);
  if (!id.success) throw new TypeError(`task id ${JSON.stringify(options.id)} is invalid: ${id.error.issues[0]?.message}`);
  if (typeof options.run !== "function") throw new TypeError(`task "${options.id}" needs a run function`);
  if (options.versioning !== undefined && options.versioning !== "upgrade" && options.versioning !== "pinned")
    throw new TypeError(`task "${options.id}": versioning must be "upgrade" or "pinned", not ${JSON.stringify(options.versioning)}`);
  const limits = TaskLimits.safeParse({ concurrency: options.concurrency, rateLimit: options.rateLimit });
  if (!limits.success) {
    const issue = limits.error.issues[0];
    throw new TypeError(`task "${options.id}": ${issue?.path.join(".")} ${issue?.message}`);
  }
  for (const shared of options.limits ?? [])
    if (!isSharedLimit(shared) && (typeof shared !== "string" || !Name.safeParse(shared).success))
      throw new TypeError(`task "${options.id}": limits takes limits.define(...) results or their names, not ${JSON.stringify(shared)}`);
  const maxAttempts = options.retry?.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new TypeError(`task "${options.id}": retry.maxAttempts must be an integer >= 1`);
  const minDelay = parseDuration(options.retry?.minDelay ?? "1s");
  const maxDelay = parseDuration(options.retry?.maxDelay ?? "1m");
  const factor = options.retry?.factor ?? 2;
  const definedIn = callerFile(entry);
  return {
    ...options,
    kind: "helmr.task",
    ...(definedIn ? { definedIn } : {}),
    maxAttempts,
    maxDurationMs: options.maxDuration === undefined ? null : parseDuration(options.maxDuration),
    retryDelayMs: (attempt: number) => Math.min(maxDelay, Math.round(minDelay * factor ** Math.max(0, attempt - 1))),
    triggerAndWait: (payload: Payload, childOptions: ChildOptions = {}) =>
      triggerChild<Output>(currentExecution(`${options.id}.triggerAndWait()`), options.id, payload, childOptions, true),
    trigger: (payload: Payload, childOptions: ChildOptions = {}) =>
      triggerChild(currentExecution(`${options.id}.trigger()`), options.id, payload, childOptions, false),
    waitFor: (payload: Payload, childOptions: ChildOptions = {}) => ({ branch: "run", taskId: options.id, payload, options: childOptions }),
    batchTriggerAndWait: (items: BatchItem<Payload>[]) =>
      triggerBatch<Output>(currentExecution(`${options.id}.batchTriggerAndWait()`), options.id, items, true),
    batchTrigger: (items: BatchItem<Payload>[]) => triggerBatch(currentExecution(`${options.id}.batchTrigger()`), options.id, items, false),
  };
}

/** The file of the code that called `entry` (task()), from the call stack (a path, or a file: URL turned into one). */
function callerFile(entry: (...args: never) => unknown): string | undefined {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, entry);
  const frame = holder.stack?.split("\n")[1] ?? "";
  const location = /\(?((?:file:\/\/|\/)[^()]+?):\d+:\d+\)?\s*$/.exec(frame)?.[1];
  if (!location) return undefined;
  try {
    return location.startsWith("file://") ? fileURLToPath(location) : location;
  } catch {
    return undefined;
  }
}

export function isTask(value: unknown): value is TaskDefinition {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "helmr.task";
}

/** The tasks among a module's exports (or a list of tasks), keyed by id; duplicate ids are an error. */
export function collectTasks(source: Iterable<unknown> | Record<string, unknown>): Map<string, TaskDefinition> {
  const values = Symbol.iterator in Object(source) ? [...(source as Iterable<unknown>)] : Object.values(source);
  const tasks = new Map<string, TaskDefinition>();
  for (const value of values) {
    if (!isTask(value)) continue;
    if (tasks.has(value.id) && tasks.get(value.id) !== value) throw new Error(`two tasks share the id "${value.id}"`);
    tasks.set(value.id, value);
  }
  return tasks;
}
