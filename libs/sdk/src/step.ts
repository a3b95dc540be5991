import { currentExecution } from "./executor/context.ts";
import { runStep } from "./executor/operations/step.ts";

export const step = {
  /**
   * Runs `fn` once per run: its result (JSON) is journaled, and replay returns the
   * journaled result instead of calling `fn` again. Put side effects here.
   */
  run<T>(id: string, fn: () => Promise<T> | T): Promise<T> {
    return runStep(currentExecution("step.run()"), id, fn);
  },
};
