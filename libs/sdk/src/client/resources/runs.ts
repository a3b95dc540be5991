import type { JournalOperation, Page, RunEvent, RunRecord, RunStatus } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

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

  cancel(runId: string): Promise<RunRecord & { cancellation: "cancelled" | "requested" | "finished" }> {
    return this.http.request("POST", `/runs/${encodeURIComponent(runId)}/cancel`);
  }
}
