import { abandoned, type Execution } from "../execution.ts";
import type { JournalEntry } from "../journal.ts";

/** step.run: `fn` runs once per run; its JSON result is journaled and replayed. */
export function runStep<T>(execution: Execution, name: string, fn: () => Promise<T> | T): Promise<T> {
  if (execution.isStopped) return abandoned();
  const position = execution.claim();
  const recorded = execution.recorded(position);
  if (recorded) {
    execution.expect(position, recorded.entry, { k: "step", n: name });
    return Promise.resolve((recorded.entry as Extract<JournalEntry, { k: "step" }>).v as T);
  }
  return execution.track(live(execution, position, name, fn));
}

async function live<T>(execution: Execution, position: number, name: string, fn: () => Promise<T> | T): Promise<T> {
  const value = await fn();
  const text = JSON.stringify({ k: "step", n: name, ...(value === undefined ? {} : { v: value }) } satisfies JournalEntry);
  await execution.write(() => execution.engine.executions.writeJournal(execution.run.id, execution.fence, position, text));
  // Return what replay will return: the value as JSON gives it back.
  return (JSON.parse(text) as Extract<JournalEntry, { k: "step" }>).v as T;
}
