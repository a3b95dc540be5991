import { isValidDuration, parseDuration } from "@helmr/core";

/** How a trigger is made, besides its body (RunsSystem.trigger). */
export interface TriggerOptions {
  /** The run's id, when the caller chose it (a run's code journals its child's id first). */
  runId?: string;
  /** The run that waits for this one: "<run id>|<wait position>[|<index in a batch>]". */
  parent?: string;
  /** The task and the session were checked already (a batch checks them once for all its runs). */
  checked?: boolean;
  /** The version of task code the run starts on: a run's code passes its own; by default the current one (systems/versions.ts). */
  version?: string;
  /** The schedule fire that starts the run (JSON of a ScheduleContext: ctx.schedule; systems/schedules.ts). */
  schedule?: string;
  /** The run this one replays (POST /runs/:id/replay): the new run names it. */
  replayOf?: string;
}

/** How a debounced trigger creates its run: in the session it claimed, starting later. */
export interface CreateOptions {
  sessionId?: string;
  startAt?: number;
}

/** When a delayed trigger's run starts: at a time (ISO 8601), or a duration from now. */
export function startOf(delay: string | number, now: number): number {
  return isValidDuration(delay) ? now + parseDuration(delay) : Date.parse(String(delay));
}
