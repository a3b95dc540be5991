import { AsyncLocalStorage } from "node:async_hooks";
import { processGlobal } from "../process-global.ts";
import type { Execution } from "./execution.ts";

/**
 * The execution the current task code belongs to, so `step` and `timers` work as plain
 * imports; one per process, shared by every copy of the SDK (process-global.ts).
 */
export const executionStorage = processGlobal("executionStorage", () => new AsyncLocalStorage<Execution>());

export function currentExecution(api: string): Execution {
  const execution = executionStorage.getStore();
  if (!execution) throw new Error(`${api} can only be called while a task's run function executes (inside a Helmr worker)`);
  return execution;
}
