import { checkTiming, DEFAULT_TIMEZONE, type DeclaredSchedule } from "@helmr/broker";
import { HelmrError, isValidDuration, parseDuration, type Duration } from "@helmr/core";
import { defineTask, type TaskDefinition, type TaskOptions } from "./task.ts";

/** A task that runs on a clock: a cron in a time zone, or every so long. */
export type ScheduledTaskOptions<Output> = Omit<TaskOptions<null, Output>, "id"> & { id: string; timezone?: string } & (
    | { cron: string; every?: undefined }
    | { every: Duration; cron?: undefined }
  );

/** A task whose code declares its schedule (schedules.task). */
export interface ScheduledTaskDefinition<Output = unknown> extends TaskDefinition<null, Output> {
  readonly schedule: DeclaredSchedule;
}

export const schedules = {
  /**
   * A task its code runs on a clock: `schedules.task({ id, cron: "0 9 * * 1-5", timezone:
   * "Europe/Paris", run })` (5 cron fields, or 6 with seconds first), or `every: "15m"`. The
   * schedule (its id is the task's) is created or updated when a worker of the current
   * version hosting it starts, and deleted when the current version no longer declares it.
   * Each fire starts a run with a null payload; `ctx.schedule` says which fire it is. Fires
   * missed while no worker ran come as one late run, never a burst. Triggering the task
   * by hand works as for any task. Schedules created at runtime (`client.schedules.create`)
   * may start any task, once per customer, with a payload.
   */
  task<Output = unknown>(options: ScheduledTaskOptions<Output>): ScheduledTaskDefinition<Output> {
    const { cron, every, timezone, ...taskOptions } = options;
    if ((cron === undefined) === (every === undefined)) throw new TypeError(`schedules.task "${options.id}": give a cron or an every, one of them`);
    if (every !== undefined && !isValidDuration(every)) throw new TypeError(`schedules.task "${options.id}": every must be a duration like "15m", or ms`);
    const schedule: DeclaredSchedule = {
      task: options.id,
      ...(cron !== undefined ? { cron: cron.trim() } : { every: parseDuration(every!) }),
      timezone: timezone ?? DEFAULT_TIMEZONE,
    };
    try {
      checkTiming(
        schedule.cron !== undefined ? { cron: schedule.cron, timezone: schedule.timezone! } : { every: schedule.every!, timezone: schedule.timezone! },
      );
    } catch (error) {
      if (HelmrError.is(error)) throw new TypeError(`schedules.task "${options.id}": ${error.issues?.[0]?.path.slice(1)} ${error.issues?.[0]?.message}`);
      throw error;
    }
    return { ...defineTask<null, Output>(taskOptions, schedules.task), schedule };
  },
};

/** The schedules among tasks' declarations: a worker publishes them for its version. */
export function declaredSchedules(tasks: Iterable<TaskDefinition>): DeclaredSchedule[] {
  return [...tasks].flatMap((each) => ((each as Partial<ScheduledTaskDefinition>).schedule ? [(each as ScheduledTaskDefinition).schedule] : []));
}
