/** What stopping may take beyond the grace period: handing executions back, closing connections. */
export const SHUTDOWN_SLACK_MS = 5_000;

/**
 * Runs `stop` once on SIGINT or SIGTERM and exits when it is done, whatever timers the
 * process still holds (a task's step still sleeping, say). Stopping is bounded: past
 * `graceMs` plus SHUTDOWN_SLACK_MS the process says what it could not finish and exits
 * anyway, so a lost Redis never keeps it alive. A second signal exits at once, for an
 * operator who does not want to wait.
 */
export function onShutdownSignal(stop: () => Promise<void>, log: (message: string) => void, graceMs: number): Promise<void> {
  return new Promise(() => {
    let stopping = false;
    const handle = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`${signal} again: exiting now`);
        process.exit(130);
      }
      stopping = true;
      log(`${signal}: finishing in-flight work, then exiting`);
      const deadlineMs = graceMs + SHUTDOWN_SLACK_MS;
      setTimeout(() => {
        log(`shutdown did not finish within ${deadlineMs} ms (is Redis reachable?); exiting without waiting for the rest`);
        process.exit(1);
      }, deadlineMs).unref();
      stop().then(
        () => process.exit(0),
        (error) => {
          log(`shutdown failed: ${(error as Error).message}`);
          process.exit(1);
        },
      );
    };
    process.on("SIGINT", handle);
    process.on("SIGTERM", handle);
  });
}
