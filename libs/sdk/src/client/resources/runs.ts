import type { BulkActionRecord, BulkDryRun, JournalOperation, Page, RunEvent, RunFilter, RunRecord, RunStatus, TriggerResult } from "@helmr/core";
import type { HttpTransport } from "../http.ts";
import { readServerSentEvents } from "../sse.ts";

/** One event of a followed run, with the run as it was then. */
export interface RunUpdate {
  event: RunEvent;
  run: RunRecord;
}

const FINAL: RunStatus[] = ["completed", "failed", "cancelled", "continued", "expired"];
const RECONNECT_MS = 500;

/** Waits before a reconnect, unless the signal ends the wait first. */
const pause = (signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, RECONNECT_MS);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/** A 4xx answer (no access, unknown id) is final; anything else (the API restarting, a network error) is retried. */
const isFinal = (error: unknown) => {
  const status = (error as { status?: number }).status;
  return status !== undefined && status < 500 && status !== 429;
};

export interface RunListOptions {
  session?: string;
  status?: RunStatus;
  task?: string;
  limit?: number;
  cursor?: string;
}

export class RunsResource {
  constructor(private readonly http: HttpTransport) {}

  retrieve(runId: string): Promise<RunRecord> {
    return this.http.request("GET", `/runs/${encodeURIComponent(runId)}`);
  }

  list(options: RunListOptions = {}): Promise<Page<RunRecord>> {
    return this.http.request("GET", "/runs", { query: { ...options } });
  }

  /** The run's durable operations in the order they ran, each with its wait's result once it has one. */
  journal(runId: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<JournalOperation>> {
    return this.http.request("GET", `/runs/${encodeURIComponent(runId)}/journal`, { query: options });
  }

  events(runId: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<RunEvent>> {
    return this.http.request("GET", `/runs/${encodeURIComponent(runId)}/events`, { query: options });
  }

  /**
   * The run's events live, each with the run as it was then, from the first (or after event
   * index `after`) to its last: the generator returns once the run ended. Reconnects with
   * Last-Event-ID, so nothing is missed or repeated; stop early with `break` or the signal.
   */
  async *follow(runId: string, options: { after?: number; signal?: AbortSignal } = {}): AsyncGenerator<RunUpdate> {
    let cursor = options.after === undefined ? undefined : String(options.after);
    let ended = false;
    while (!ended && !options.signal?.aborted) {
      try {
        for await (const message of readServerSentEvents(this.http, `/runs/${encodeURIComponent(runId)}`, cursor, options.signal)) {
          if (message.event !== "run") continue;
          cursor = message.id;
          const update = JSON.parse(message.data) as RunUpdate;
          yield update;
          ended = FINAL.includes(update.run.status);
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        if (isFinal(error)) throw error;
      }
      if (!ended) await pause(options.signal);
    }
  }

  /**
   * A session's runs live: each as it is now (its newest 100), then again each time it
   * changes, until the signal ends it. A reconnect starts again with every run's state.
   */
  async *followSession(sessionId: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<RunRecord> {
    while (!options.signal?.aborted) {
      try {
        for await (const message of readServerSentEvents(this.http, `/runs?session=${encodeURIComponent(sessionId)}`, undefined, options.signal)) {
          if (message.event === "run") yield JSON.parse(message.data) as RunRecord;
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        if (isFinal(error)) throw error;
      }
      await pause(options.signal);
    }
  }

  /** A new run of the run's task with its payload, in a new session (or `sessionId`); the new run's `replayOf` names this one. */
  replay(runId: string, options: { sessionId?: string } = {}): Promise<TriggerResult> {
    return this.http.request("POST", `/runs/${encodeURIComponent(runId)}/replay`, { body: options });
  }

  cancel(runId: string): Promise<RunRecord & { cancellation: "cancelled" | "requested" | "finished" }> {
    return this.http.request("POST", `/runs/${encodeURIComponent(runId)}/cancel`);
  }

  /** A failed run again from its last good step: the same run, a new attempt, its journal kept. */
  retry(runId: string): Promise<RunRecord> {
    return this.http.request("POST", `/runs/${encodeURIComponent(runId)}/retry`);
  }

  /** Cancels every run the filter selects that has not ended, as a job (`bulkActions.retrieve` follows it); `dryRun` only counts them. */
  bulkCancel(filter: RunFilter, options: { dryRun: true; reason?: string }): Promise<BulkDryRun>;
  bulkCancel(filter: RunFilter, options?: { dryRun?: false; reason?: string }): Promise<BulkActionRecord>;
  bulkCancel(filter: RunFilter, options: { dryRun?: boolean; reason?: string } = {}): Promise<BulkDryRun | BulkActionRecord> {
    return this.http.request("POST", "/runs/bulk-cancel", { body: { filter, ...options } });
  }

  /** Replays every run the filter selects as a new run each, as a job; `dryRun` only counts them. */
  bulkReplay(filter: RunFilter, options: { dryRun: true }): Promise<BulkDryRun>;
  bulkReplay(filter: RunFilter, options?: { dryRun?: false }): Promise<BulkActionRecord>;
  bulkReplay(filter: RunFilter, options: { dryRun?: boolean } = {}): Promise<BulkDryRun | BulkActionRecord> {
    return this.http.request("POST", "/runs/bulk-replay", { body: { filter, ...options } });
  }
}
