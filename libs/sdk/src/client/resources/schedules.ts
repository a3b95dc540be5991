import type { CreateScheduleBody, Page, ScheduleRecord, UpdateScheduleBody } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

/**
 * Schedules created at runtime: runs of a task on a cron (5 fields, or 6 with seconds) in a
 * time zone, or every so long; one per customer with `externalId`, or made idempotent with
 * `deduplicationKey`. Schedules a task's code declares (schedules.task) show here too.
 */
export class SchedulesResource {
  constructor(private readonly http: HttpTransport) {}

  /** A new schedule; with the deduplicationKey of one that exists, that one updated. A bad cron or time zone is a 422 and stores nothing. */
  create(options: CreateScheduleBody): Promise<ScheduleRecord> {
    return this.http.request("POST", "/schedules", { body: options });
  }

  list(options: { task?: string; externalId?: string; limit?: number; cursor?: string } = {}): Promise<Page<ScheduleRecord>> {
    return this.http.request("GET", "/schedules", { query: { ...options } });
  }

  /** With its next fire times and the run its last fire started. */
  retrieve(scheduleId: string): Promise<ScheduleRecord> {
    return this.http.request("GET", `/schedules/${encodeURIComponent(scheduleId)}`);
  }

  /** Changes its timing, payload or externalId (a field left out stays); its next fire follows. */
  update(scheduleId: string, changes: UpdateScheduleBody): Promise<ScheduleRecord> {
    return this.http.request("PATCH", `/schedules/${encodeURIComponent(scheduleId)}`, { body: changes });
  }

  pause(scheduleId: string): Promise<ScheduleRecord> {
    return this.http.request("POST", `/schedules/${encodeURIComponent(scheduleId)}/pause`);
  }

  /** Fires again from its next fire time after now; fires missed while paused are not made up. */
  resume(scheduleId: string): Promise<ScheduleRecord> {
    return this.http.request("POST", `/schedules/${encodeURIComponent(scheduleId)}/resume`);
  }

  /** It fires no more. A second call is a 404; a schedule its task's code declares is a 409. */
  async delete(scheduleId: string): Promise<void> {
    await this.http.request("DELETE", `/schedules/${encodeURIComponent(scheduleId)}`);
  }
}
