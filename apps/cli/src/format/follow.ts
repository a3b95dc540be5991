import type { RunEvent, RunRecord } from "@helmr/core";
import type { HelmrClient } from "@helmr/sdk";

const FINISHED = new Set(["completed", "failed", "cancelled", "continued", "expired"]);
const POLL_MS = 300;

export function eventLine(event: RunEvent): string {
  const detail = event.type === "continued" ? ` as ${String(event.detail?.runId)}` : event.detail ? ` ${JSON.stringify(event.detail)}` : "";
  return `${event.at}  ${event.type.padEnd(9)} attempt ${event.attempt}${detail}`;
}

/**
 * A run's events, printed as they come; with `follow`, polls until the run has finished
 * and its last event is in.
 */
export async function followRunEvents(client: HelmrClient, runId: string, options: { follow: boolean; onEvent: (line: string) => void }): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const run: RunRecord = await client.runs.retrieve(runId);
    for (;;) {
      const page = await client.runs.events(runId, { cursor, limit: 200 });
      for (const event of page.data) {
        events.push(event);
        options.onEvent(eventLine(event));
      }
      cursor = String(events.length);
      if (!page.nextCursor) break;
    }
    // The status was read before the events, so every event of a finished run is in.
    if (!options.follow || FINISHED.has(run.status)) return events;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
