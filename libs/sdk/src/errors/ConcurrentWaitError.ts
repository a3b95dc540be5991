/** A second blocking wait started while one is pending (for example under Promise.all). Terminal. */
export class ConcurrentWaitError extends Error {
  override name = "ConcurrentWaitError";
  constructor(pending: string, started: string) {
    super(`Only one blocking wait can be active at a time: ${started} started while ${pending} is pending. Await each wait before starting the next.`);
  }
}
