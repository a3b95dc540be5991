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
  | "children.beforeCreate"
  /** A batch in one session passed its checks, and nothing of it is written yet (batches.ts, createInSession; `runId` is its first run's). */
  | "batches.beforeCreate"
  /** A run's job is about to be added to a queue, alone or as the first of a batch (dispatch.ts, addBatch): jobs due meanwhile wait for it. */
  | "dispatch.addGoing"
  /** A run's job is due while an add to its queue for its task is on its way: it waits, and goes in the next add. */
  | "dispatch.jobWaits"
  /** A worker is about to start a run from a job that carried no claim (a wake-up, a redelivery): nothing of the start has run. */
  | "worker.beforeStart"
  /** A worker's start script (startExecution) has answered "run", and the run's code has not gone on yet. */
  | "worker.started"
  /** A run's code is about to park it (the parkRun script has not run). */
  | "executions.beforePark"
  /** A parent is about to look at its child's end before waiting on it (ChildrenSystem.watch; `runId` is the child's). */
  | "children.beforeWatch"
  /** A worker's upgrader begins a tick: the checks of runs of older versions that follow share one budget (libs/sdk/src/worker/upgrader.ts). */
  | "upgrader.tick"
  /** A worker's upgrader is about to dry-replay a run of an older version against its code. */
  | "upgrader.check"
  /** A bulk action's job did a page's runs and is about to write their counts and the cursor after them (systems/bulk-actions.ts; `jobId` is the action's id). */
  | "bulkActions.pageDone"
  /** A run's ending write is done and its end is about to be emitted to webhooks (its outbox mark still set). */
  | "webhooks.beforeEmit";

export interface RacepointDetail {
  runId?: string;
  jobId?: string;
  /** The worker whose own queue the job is in, or came from ("" for the shared queue). */
  warmWorker?: string;
}

export type RacepointHook = (point: Racepoint, detail: RacepointDetail) => Promise<void> | void;
