import type { SharedLimitRecord, SharedLimits } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

/** Limits several tasks share (`limits.define`). */
export class LimitsResource {
  constructor(private readonly http: HttpTransport) {}

  /** A shared limit: its limits, the runs holding a slot of it, the tasks that name it. */
  retrieve(name: string): Promise<SharedLimitRecord> {
    return this.http.request("GET", `/limits/${encodeURIComponent(name)}`);
  }

  /** Sets a shared limit at runtime, over its code's: a field left out follows the code, a null lifts it, `{}` goes back to the code's. */
  set(name: string, limits: SharedLimits): Promise<SharedLimitRecord> {
    return this.http.request("PUT", `/limits/${encodeURIComponent(name)}`, { body: limits });
  }
}
