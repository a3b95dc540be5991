import type { Page, WaitKind, WaitRecord } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

export class WaitsResource {
  constructor(private readonly http: HttpTransport) {}

  /** Pending waits, oldest first; filter by session, run or kind. */
  list(options: { session?: string; run?: string; kind?: WaitKind; limit?: number; cursor?: string } = {}): Promise<Page<WaitRecord>> {
    return this.http.request("GET", "/waits", { query: { ...options } });
  }
}
