import { storedWait } from "@helmr/core";
import { abandoned, type Execution } from "../execution.ts";
import type { JournalEntry } from "../journal.ts";
import { WaitResult, type WaitOutcome } from "../wait-result.ts";

const RESOLVED: WaitOutcome<void> = { ok: true, output: undefined };

/** A timer wait. `dueAtIfNew` is only called the first time, so the due time is fixed then. */
export function waitTimer(execution: Execution, dueAtIfNew: () => number): WaitResult<void> {
  const op = execution.begin({ kind: "timer" }, "a timer wait");
  if (!op) return new WaitResult(abandoned());
  const { position, recorded } = op;
  let outcome: Promise<WaitOutcome<void>>;
  if (recorded?.result) {
    outcome = Promise.resolve(recorded.result as WaitOutcome<void>);
  } else {
    const dueAt = recorded ? (recorded.entry as Extract<JournalEntry, { kind: "timer" }>).dueAt : dueAtIfNew();
    outcome = !recorded && dueAt <= Date.now() ? resolveNow(execution, position, dueAt) : park(execution, position, dueAt, Boolean(recorded));
  }
  return new WaitResult(outcome.finally(() => execution.endWait()));
}

async function resolveNow(execution: Execution, position: number, dueAt: number): Promise<WaitOutcome<void>> {
  await execution.journalAt(position, { kind: "timer", dueAt }, JSON.stringify(RESOLVED));
  return RESOLVED;
}

function park(execution: Execution, position: number, dueAt: number, journaled: boolean): Promise<WaitOutcome<void>> {
  const wait = storedWait.timer(position, dueAt);
  const entry: JournalEntry | null = journaled ? null : { kind: "timer", dueAt };
  return execution.park(async (warmWorker) => {
    const wakeJobId = await execution.broker.park(execution.run.id, execution.fence, position, entry, wait, dueAt, warmWorker);
    return { parked: wait, wakeJobId, wakeAt: dueAt };
  });
}
