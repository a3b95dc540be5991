import type { TriggerResult } from "@helmr/core";
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
}
