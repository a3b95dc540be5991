/** What stopping may take beyond the grace period: handing executions back, closing connections. */
export const SHUTDOWN_SLACK_MS = 5_000;

export interface ShutdownSignals {
  /**
   * Runs `stop` once SIGINT or SIGTERM arrives (at once if one already came while the
   * process was starting) and exits when it is done. Never resolves.
   */
  stopWith(stop: () => Promise<void>): Promise<void>;
}

/**
 * Catches SIGINT and SIGTERM from now on, so that a signal during startup (an embedded
 * Redis already started, in a process group of its own) is not fatal but stops what has
 * started. Stopping exits whatever timers the process still holds (a task's step still
 * sleeping, say), and is bounded: past `graceMs` plus SHUTDOWN_SLACK_MS after the signal the
 * process says what it could not finish and exits anyway, so a lost Redis never keeps it
 * alive. A second signal exits at once, for an operator who does not want to wait.
 */
export function catchShutdownSignals(log: (message: string) => void, graceMs: number): ShutdownSignals {
  let signalled = false;
  let stopFn: (() => Promise<void>) | undefined;
  let stopping = false;
  const stopOnce = () => {
    if (stopping || !signalled || !stopFn) return;
    stopping = true;
    stopFn().then(
      () => process.exit(0),
      (error) => {
        log(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  const handle = (signal: NodeJS.Signals) => {
    if (signalled) {
      log(`${signal} again: exiting now`);
      process.exit(130);
    }
    signalled = true;
    log(`${signal}: finishing in-flight work, then exiting`);
    const deadlineMs = graceMs + SHUTDOWN_SLACK_MS;
    setTimeout(() => {
      log(`shutdown did not finish within ${deadlineMs} ms (is Redis reachable?); exiting without waiting for the rest`);
      process.exit(1);
    }, deadlineMs).unref();
    stopOnce();
  };
  process.on("SIGINT", handle);
  process.on("SIGTERM", handle);
  return {
    stopWith: (stop) =>
      new Promise(() => {
        stopFn = stop;
        stopOnce();
      }),
  };
}
