import { inSpan } from "@helmr/broker";
import { abandoned, type Execution } from "../execution.ts";
import type { JournalEntry } from "../journal.ts";

type StepEntry = Extract<JournalEntry, { kind: "step" }>;

/** step.run: `fn` runs once per run; its JSON result is journaled and replayed. */
export function runStep<T>(execution: Execution, name: string, fn: () => Promise<T> | T): Promise<T> {
  const op = execution.begin({ kind: "step", stepId: name });
  if (!op) return abandoned();
  if (op.recorded) return Promise.resolve((op.recorded.entry as StepEntry).value as T);
  // Traced, a step that runs (not one replay returns) is a span of the execution's.
  return execution.track(inSpan(`helmr.step ${name}`, { "helmr.step": name, "helmr.position": op.position }, () => live(execution, op.position, name, fn)));
}

async function live<T>(execution: Execution, position: number, name: string, fn: () => Promise<T> | T): Promise<T> {
  const value = await fn();
  // What replay will return: the value as JSON gives it back.
  const text = JSON.stringify(value);
  const replayed = text === undefined ? undefined : JSON.parse(text);
  await execution.journalAt(position, { kind: "step", stepId: name, ...(replayed === undefined ? {} : { value: replayed }) });
  return replayed as T;
}
