import type { BatchTriggerResult, Duration, TaskLimits, TaskList, TaskRecord, TriggerBody, TriggerResult } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

export interface TriggerOptions {
  /** Join this session; without it a new session is created. */
  sessionId?: string;
  /** The same key returns the first run instead of creating another. */
  idempotencyKey?: string;
  /** Flow control: the key the task's per-key limits count the run under (a tenant, a customer). */
  concurrencyKey?: string;
  /** 0 (the default) to 100: lower starts first among runs waiting for a worker or for a slot of the task's limits. */
  priority?: number;
  /**
   * Triggers with the same key within `delay` of the last one are one run (the same run id
   * comes back, `deduplicated: true`), which starts `delay` after the last, with its payload.
   */
  debounce?: { key: string; delay: Duration };
  /** Start the run this much later, or at this time: it is `delayed` until then, and may be cancelled meanwhile. */
  delay?: Duration | Date;
  /** A run not started this long after it was due (its trigger, or its delay's end) expires and never runs. */
  ttl?: Duration;
}

export class TasksResource {
  constructor(private readonly http: HttpTransport) {}

  trigger(taskId: string, payload?: unknown, options: TriggerOptions = {}): Promise<TriggerResult> {
    return this.http.request("POST", `/tasks/${encodeURIComponent(taskId)}/trigger`, { body: { payload, ...options } });
  }

  /**
   * Triggers up to 1,000 runs of a task, each item `{ payload, sessionId?, idempotencyKey? }`:
   * all or none (a refused batch creates no run), their runs in the items' order. Give each
   * item an idempotencyKey to retry a batch safely: a retry creates only what is missing.
   */
  batchTrigger(taskId: string, items: TriggerBody[]): Promise<BatchTriggerResult> {
    return this.http.request("POST", `/tasks/${encodeURIComponent(taskId)}/batch-trigger`, { body: { items } });
  }

  /** Every task workers have hosted, with its limits and its runs' counts against them. */
  list(): Promise<TaskList> {
    return this.http.request("GET", "/tasks");
  }

  /** A task, its limits and how its runs stand against them: running, queued, throttled, per key. */
  retrieve(taskId: string): Promise<TaskRecord> {
    return this.http.request("GET", `/tasks/${encodeURIComponent(taskId)}`);
  }

  /**
   * Sets a task's limits at runtime, over its code's: a field left out follows the code, a
   * null lifts the code's limit, `{}` goes back to the code's. Applies at once, on every worker.
   */
  setLimits(taskId: string, limits: TaskLimits): Promise<TaskRecord> {
    return this.http.request("PUT", `/tasks/${encodeURIComponent(taskId)}/limits`, { body: limits });
  }

  /** Pauses a task: none of its runs starts or resumes (triggers and inputs are taken and wait) until it is resumed. */
  pause(taskId: string): Promise<TaskRecord> {
    return this.http.request("POST", `/tasks/${encodeURIComponent(taskId)}/pause`);
  }

  /** Resumes a paused task: the runs that waited start as its limits let them. */
  resume(taskId: string): Promise<TaskRecord> {
    return this.http.request("POST", `/tasks/${encodeURIComponent(taskId)}/resume`);
  }
}
