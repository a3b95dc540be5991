/**
 * Named points in the engine where a test may pause a process, or kill it outright, to
 * force an interleaving instead of hoping the scheduler produces it (CONTRIBUTING.md,
 * tests). Each name is reached on one path only; production code passes no hook, and a
 * point then costs one property read.
 */
export type Racepoint =
  /** A resume's job is in the queue of the worker that keeps the run warm, and nothing has taken it yet. */
  | "dispatch.warmJobAdded"
  /** A job was taken off a warm worker's queue by a rescue and is not yet in the shared queue. */
  | "rescue.jobRemoved"
  /** A worker took a runs-queue job and has not started its run. */
  | "worker.jobTaken"
  /** A run's code is about to create a child it will wait for (its id is journaled already). */
  | "children.beforeCreate";

export interface RacepointDetail {
  runId?: string;
  jobId?: string;
  /** The worker whose own queue the job is in, or came from ("" for the shared queue). */
  warmWorker?: string;
}

export type RacepointHook = (point: Racepoint, detail: RacepointDetail) => Promise<void> | void;
