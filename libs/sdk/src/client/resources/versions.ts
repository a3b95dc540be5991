import type { VersionList } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

export class VersionsResource {
  constructor(private readonly http: HttpTransport) {}

  /** The versions of task code workers have started, oldest first: which is current, how many workers of each are alive. */
  list(): Promise<VersionList> {
    return this.http.request("GET", "/versions");
  }

  /** Makes a version current: triggers from outside start on it until a worker of some version starts after this. */
  promote(version: string): Promise<VersionList> {
    return this.http.request("POST", `/versions/${encodeURIComponent(version)}/promote`);
  }
}
