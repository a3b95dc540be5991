/**
 * Runs `stop` once on SIGINT or SIGTERM and exits when it is done. A second signal
 * exits at once, for an operator who does not want to wait.
 */
export function onShutdownSignal(stop: () => Promise<void>, log: (message: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const handle = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`${signal} again: exiting now`);
        process.exit(130);
      }
      stopping = true;
      log(`${signal}: finishing in-flight work, then exiting`);
      stop().then(
        () => resolve(),
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
