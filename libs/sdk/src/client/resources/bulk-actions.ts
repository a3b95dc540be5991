import type { BulkActionRecord } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

/** Bulk actions started by `runs.bulkCancel` and `runs.bulkReplay`. */
export class BulkActionsResource {
  constructor(private readonly http: HttpTransport) {}

  /** An action's progress: `total` once counted, `processed` so far, `status` "completed" at the end. */
  retrieve(id: string): Promise<BulkActionRecord> {
    return this.http.request("GET", `/bulk-actions/${encodeURIComponent(id)}`);
  }

  /** The actions of the last week, newest first. */
  async list(): Promise<BulkActionRecord[]> {
    const { data } = await this.http.request<{ data: BulkActionRecord[] }>("GET", "/bulk-actions");
    return data;
  }
}
