import { AsyncLocalStorage } from "node:async_hooks";
import type { Execution } from "./execution.ts";

/** The execution the current task code belongs to, so `step` and `timers` work as plain imports. */
export const executionStorage = new AsyncLocalStorage<Execution>();

export function currentExecution(api: string): Execution {
  const execution = executionStorage.getStore();
  if (!execution) throw new Error(`${api} can only be called while a task's run function executes (inside a Helmr worker)`);
  return execution;
}
