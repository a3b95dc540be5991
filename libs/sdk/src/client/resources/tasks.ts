import type { BatchTriggerResult, TriggerBody, TriggerResult } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

export interface TriggerOptions {
  /** Join this session; without it a new session is created. */
  sessionId?: string;
  /** The same key returns the first run instead of creating another. */
  idempotencyKey?: string;
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
}
